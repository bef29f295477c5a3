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
/// The runtime runs GPT-NeoX checkpoints (interleaved <c>query_key_value</c> with biases, partial rotary, LayerNorm,
/// GELU MLP, parallel or sequential residual) exactly as Transformers defines them; a merged GPT-NeoX checkpoint keeps
/// the stock layout, which any GPT-NeoX loader runs as the merged model, while the runtime caches only G_l heads.
/// </summary>
public sealed class GptNeoxRuntimeTests
{
    // Float32 runtime against a float64 reference: a few float32 roundings through two small layers (observed ≤ 1.1e-6).
    private const double Float32Rounding = 5e-6;
    private const int Heads = 6;

    private static string Model(TempFolder temp, bool parallel = true, double rotary = 0.25, SafetensorsDtype dtype = SafetensorsDtype.F32)
        => FamilyFixtures.WriteGptNeox(temp.Combine("neox"), new FamilyFixtureOptions { Heads = Heads, HeadDim = 8, RotaryFraction = rotary, ParallelResidual = parallel, Dtype = dtype });

    [Theory]
    [InlineData(true, 0.25)]
    [InlineData(false, 0.25)]
    [InlineData(true, 1.0)]
    public void TheLogitsEqualAFloat64ReferenceFromTheDefinition(bool parallel, double rotary)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = Model(temp, parallel, rotary);
        var tokens = ModelRuns.Tokens(64, 1, 12, seed: 3);

        var logits = ModelRuns.Logits(folder, tokens);
        var reference = FamilyReference.GptNeox(folder, tokens[0].data<long>().ToArray());

        TensorAssert.Close(reference.to_type(ScalarType.Float32), logits[0], Float32Rounding);
    }

    [Fact]
    public void TheRotaryFractionAndTheResidualWiringChangeTheLogits()
    {
        using var scope = NewDisposeScope();
        using var quarter = new TempFolder();
        using var whole = new TempFolder();
        using var sequential = new TempFolder();
        var tokens = ModelRuns.Tokens(64, 1, 12, seed: 3);

        var baseline = ModelRuns.Logits(Model(quarter), tokens);

        Assert.True(ModelRuns.MaxDifference(baseline, ModelRuns.Logits(Model(whole, rotary: 1.0), tokens)) > 1e-3);
        Assert.True(ModelRuns.MaxDifference(baseline, ModelRuns.Logits(Model(sequential, parallel: false), tokens)) > 1e-3);
    }

    [Fact]
    public void TheConfigComesFromGptNeoxsKeys()
    {
        using var temp = new TempFolder();
        using var checkpoint = Checkpoint.Open(Model(temp, parallel: false));

        var config = CheckpointModelLoader.ReadConfig(checkpoint);

        Assert.Equal((Core.Families.NormKind.Layer, Core.Families.MlpKind.Gelu, false), (config.Norm, config.Mlp, config.ParallelResidual));
        Assert.Equal((2, 1e-5, 2048), (config.ResolvedRotaryDimensions, config.RmsNormEps, config.MaxPositionEmbeddings));
        Assert.True(config.AttentionBias);
        Assert.True(config.HasOutputProjectionBias);
    }

    [Theory]
    [InlineData(SafetensorsDtype.F32)]
    [InlineData(SafetensorsDtype.BF16)]
    public void AMergedCheckpointComputesTheInMemoryMergedModelInTheRuntimeAndInTheStockLayout(SafetensorsDtype dtype)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = Model(temp, dtype: dtype);
        var output = temp.Combine("out");
        var grouping = new ModelGrouping(GroupingMode.Arbitrary,
        [
            new(0, LayerGrouping.FromGroups(Heads, [[0, 3], [1, 4], [2, 5]])),
            new(1, LayerGrouping.FromGroups(Heads, [[0, 1, 2, 5], [3], [4]])),
        ]);
        using (var checkpoint = Checkpoint.Open(input)) CheckpointMerger.Merge(checkpoint, grouping, output);
        var tokens = ModelRuns.Tokens(64, 1, 12, seed: 5);

        var merged = ModelRuns.MergedLogits(input, grouping, tokens);
        var written = ModelRuns.Logits(output, tokens);
        // Every query head reads its own slot, as Transformers' GPT-NeoX does: the slots hold copies of the merged heads.
        var stock = FamilyReference.GptNeox(output, tokens[0].data<long>().ToArray());

        TensorAssert.Identical(merged, written);
        TensorAssert.Close(stock.to_type(ScalarType.Float32), merged[0], Float32Rounding);
        Assert.True(ModelRuns.MaxDifference(ModelRuns.Logits(input, tokens), merged) > 1e-2, "merging should change the model");
        using var checkpointOut = Checkpoint.Open(output);
        using var model = CheckpointModelLoader.Load(checkpointOut);
        using var cache = model.CreateKvCache();
        Assert.Equal([3, 3], cache.Layers.Select(l => l.KvHeads));
    }

    [Fact]
    public void GivenTheIdentityGroupingTheWrittenCheckpointsLogitsAreBitIdentical()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = Model(temp);
        var output = temp.Combine("out");
        using (var checkpoint = Checkpoint.Open(input))
            CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Custom, 2, LayerGrouping.Identity(Heads)), output);
        var tokens = ModelRuns.Tokens(64, 1, 9, seed: 2);

        TensorAssert.Identical(ModelRuns.Logits(input, tokens), ModelRuns.Logits(output, tokens));
    }

    [Fact]
    public void DecodingWithTheKvCacheGivesTheLogitsOfAFullPass()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        using var checkpoint = Checkpoint.Open(Model(temp));
        using var model = CheckpointModelLoader.Load(checkpoint);
        var tokens = ModelRuns.Tokens(64, 1, 10, seed: 9);
        using var noGrad = no_grad();

        var full = model.forward(tokens);
        using var cache = model.CreateKvCache();
        var prefill = model.Forward(tokens.narrow(1, 0, 7), cache);
        var steps = Enumerable.Range(7, 3).Select(i => model.Forward(tokens.narrow(1, i, 1), cache)).ToArray();

        TensorAssert.Close(full.narrow(1, 0, 7), prefill, 1e-5);
        for (var i = 0; i < 3; i++) TensorAssert.Close(full.narrow(1, 7 + i, 1), steps[i], 1e-5);
    }
}
