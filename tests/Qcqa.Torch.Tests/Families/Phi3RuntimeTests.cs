using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Tests.Llama;
using Qcqa.Torch.Tests.TestSupport;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Families;

/// <summary>
/// The runtime runs Phi-3 checkpoints (fused <c>qkv_proj</c> and <c>gate_up_proj</c>, partial rotary, sliding window)
/// exactly as Transformers defines them, and a merged Phi-3 checkpoint computes the in-memory merged model; an equal
/// grouping's output is a plain Phi-3 GQA checkpoint.
/// </summary>
public sealed class Phi3RuntimeTests
{
    // Float32 runtime against a float64 reference: a few float32 roundings through two small layers (observed ≤ 1.3e-6).
    private const double Float32Rounding = 5e-6;
    private const int Heads = 6;

    private static string Model(TempFolder temp, int? kvHeads = null, double rotary = 1.0, int? window = 2047, SafetensorsDtype dtype = SafetensorsDtype.F32)
        => FamilyFixtures.WritePhi3(temp.Combine("phi3"), new FamilyFixtureOptions
        {
            Heads = Heads, KvHeads = kvHeads, HeadDim = 8, RotaryFraction = rotary, SlidingWindow = window, Dtype = dtype,
        });

    [Theory]
    [InlineData(null, 1.0, 2047)]
    [InlineData(3, 1.0, 2047)]
    [InlineData(null, 0.5, 2047)]
    [InlineData(2, 0.75, 5)]
    public void TheLogitsEqualAFloat64ReferenceFromTheDefinition(int? kvHeads, double rotary, int window)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = Model(temp, kvHeads, rotary, window);
        var tokens = ModelRuns.Tokens(64, 1, 12, seed: 3);

        var logits = ModelRuns.Logits(folder, tokens);
        var reference = FamilyReference.Phi3(folder, tokens[0].data<long>().ToArray());

        TensorAssert.Close(reference.to_type(ScalarType.Float32), logits[0], Float32Rounding);
    }

    [Fact]
    public void PartialRotaryAndTheSlidingWindowChangeTheLogits()
    {
        using var scope = NewDisposeScope();
        using var full = new TempFolder();
        using var partial = new TempFolder();
        using var windowed = new TempFolder();
        var tokens = ModelRuns.Tokens(64, 1, 12, seed: 3);

        var baseline = ModelRuns.Logits(Model(full), tokens);
        var rotated = ModelRuns.Logits(Model(partial, rotary: 0.5), tokens);
        var window = ModelRuns.Logits(Model(windowed, window: 5), tokens);

        Assert.True(ModelRuns.MaxDifference(baseline, rotated) > 1e-3, "rotating half the dimensions is another model");
        // The first five positions see everything either way; later ones lose the oldest tokens.
        TensorAssert.Identical(baseline.narrow(1, 0, 5), window.narrow(1, 0, 5));
        Assert.True(ModelRuns.MaxDifference(baseline.narrow(1, 5, 7), window.narrow(1, 5, 7)) > 1e-3, "a window of 5 hides the oldest tokens");
    }

    [Fact]
    public void TheConfigComesFromPhi3sKeys()
    {
        using var temp = new TempFolder();
        using var checkpoint = Checkpoint.Open(Model(temp, kvHeads: 2, rotary: 0.75, window: 5));

        var config = CheckpointModelLoader.ReadConfig(checkpoint);

        Assert.Equal((2, 6, 5, 1e-5), (config.NumKeyValueHeads, config.ResolvedRotaryDimensions, config.SlidingWindow, config.RmsNormEps));
        Assert.Equal((4096, false, false), (config.MaxPositionEmbeddings, config.AttentionBias, config.HasOutputProjectionBias));
    }

    [Fact]
    public void GivenAnEqualGroupingTheOutputRunsAsPlainGqaInTheStockLayoutAndEqualsTheInMemoryMergedModel()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = Model(temp, rotary: 0.5);
        var output = temp.Combine("out");
        var grouping = ModelGrouping.Uniform(GroupingMode.Equal, 2, LayerGrouping.FromGroups(Heads, [[0, 3], [1, 4], [2, 5]]));
        using (var checkpoint = Checkpoint.Open(input)) CheckpointMerger.Merge(checkpoint, grouping, output);
        var tokens = ModelRuns.Tokens(64, 1, 12, seed: 5);

        var merged = ModelRuns.MergedLogits(input, grouping, tokens);
        var stock = ModelRuns.Logits(output, tokens, ignoreQcqaBlock: true);
        var reference = FamilyReference.Phi3(output, tokens[0].data<long>().ToArray());
        var original = ModelRuns.Logits(input, tokens);

        // Query heads and o_proj columns were reordered, so o_proj sums in another order: float32 rounding.
        TensorAssert.Close(merged, stock, 1e-5);
        TensorAssert.Close(reference.to_type(ScalarType.Float32), merged[0], Float32Rounding);
        Assert.True(ModelRuns.MaxDifference(original, merged) > 1e-2, "merging should change the model");
    }

    [Theory]
    [InlineData(SafetensorsDtype.F32)]
    [InlineData(SafetensorsDtype.BF16)]
    public void GivenAnArbitraryGroupingTheWrittenCheckpointsLogitsAreBitIdenticalToTheInMemoryMergedModel(SafetensorsDtype dtype)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = Model(temp, dtype: dtype);
        var output = temp.Combine("out");
        var grouping = new ModelGrouping(GroupingMode.Arbitrary,
        [
            new(0, LayerGrouping.FromGroups(Heads, [[0, 1, 2], [3], [4, 5]])),
            new(1, LayerGrouping.FromGroups(Heads, [[0, 5], [1, 2, 3, 4]])),
        ]);
        using (var checkpoint = Checkpoint.Open(input)) CheckpointMerger.Merge(checkpoint, grouping, output);
        var tokens = ModelRuns.Tokens(64, 2, 10, seed: 7);

        TensorAssert.Identical(ModelRuns.MergedLogits(input, grouping, tokens), ModelRuns.Logits(output, tokens));
    }

    [Fact]
    public void GivenTheIdentityGroupingTheWrittenCheckpointsLogitsAreBitIdentical()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = Model(temp, kvHeads: 3);
        var output = temp.Combine("out");
        using (var checkpoint = Checkpoint.Open(input))
            CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Custom, 2, LayerGrouping.Identity(3)), output);
        var tokens = ModelRuns.Tokens(64, 1, 9, seed: 2);

        TensorAssert.Identical(ModelRuns.Logits(input, tokens), ModelRuns.Logits(output, tokens));
    }

    [Fact]
    public void DecodingWithTheKvCacheGivesTheLogitsOfAFullPassInsideAndBeyondTheSlidingWindow()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        using var checkpoint = Checkpoint.Open(Model(temp, kvHeads: 3, rotary: 0.5, window: 4));
        using var model = CheckpointModelLoader.Load(checkpoint);
        var tokens = ModelRuns.Tokens(64, 1, 10, seed: 9);
        using var noGrad = no_grad();

        var full = model.forward(tokens);
        using var cache = model.CreateKvCache();
        // A prefill longer than the window, a second chunk, then single steps.
        var prefill = model.Forward(tokens.narrow(1, 0, 5), cache);
        var chunk = model.Forward(tokens.narrow(1, 5, 2), cache);
        var steps = Enumerable.Range(7, 3).Select(i => model.Forward(tokens.narrow(1, i, 1), cache)).ToArray();

        TensorAssert.Close(full.narrow(1, 0, 5), prefill, 1e-5);
        TensorAssert.Close(full.narrow(1, 5, 2), chunk, 1e-5);
        for (var i = 0; i < 3; i++) TensorAssert.Close(full.narrow(1, 7 + i, 1), steps[i], 1e-5);
    }
}
