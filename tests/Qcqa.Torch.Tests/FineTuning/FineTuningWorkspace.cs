using Qcqa.Core.Checkpoints;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Tests.TestSupport;

namespace Qcqa.Torch.Tests.FineTuning;

/// <summary>
/// A temporary folder with the small synthetic original model (3 layers, 6 MHA heads of 10, vocabulary 64) and its
/// two compressed forms: <see cref="Gqa"/>, a standard GQA checkpoint (equal groups of 2, query heads reordered),
/// and <see cref="Map"/>, per-layer maps (arbitrary group sizes, a different G per layer). Training text is
/// <see cref="Text"/>, in which every token determines the next, so a few steps lower the loss visibly.
/// </summary>
internal sealed class FineTuningWorkspace : IDisposable
{
    /// <summary>Heads (and KV heads) of the original model.</summary>
    public const int Heads = 6;

    /// <summary>The vocabulary of every model here.</summary>
    public const int Vocab = 64;

    private readonly TempFolder _temp = new();

    /// <summary>Writes the models; <paramref name="dtype"/> and <paramref name="shards"/> apply to all three.</summary>
    public FineTuningWorkspace(SafetensorsDtype dtype = SafetensorsDtype.F32, int shards = 1, bool biases = false)
    {
        Original = SyntheticModels.Write(_temp.Combine("original"), SyntheticModels.Options(dtype, biases, shards, vocab: Vocab));
        using var original = Checkpoint.Open(Original);
        Gqa = CheckpointMerger.Merge(original, RandomGroupings.EqualCardinality(SyntheticModels.Layers, Heads, groups: 3, seed: 5), _temp.Combine("gqa")).OutputFolder;
        Map = CheckpointMerger.Merge(original, RandomGroupings.ArbitraryCardinality(Heads, [2, 4, 3], seed: 6), _temp.Combine("map")).OutputFolder;
    }

    /// <summary>The MHA original (the teacher of distillation).</summary>
    public string Original { get; }

    /// <summary>The standard-GQA compressed checkpoint.</summary>
    public string Gqa { get; }

    /// <summary>The per-layer-map compressed checkpoint.</summary>
    public string Map { get; }

    /// <summary>
    /// 2,000 tokens of 8 distinct ids (multiples of 8) in which each determines the next (k → (5k + 3) mod 8, a cycle
    /// through all eight), restarted at a random one every 50 tokens.
    /// </summary>
    public static long[] Text { get; } = MakeText();

    /// <summary>A run of a few milliseconds per step: 8 steps of 8 windows of 32 tokens, a high learning rate.</summary>
    public static FineTuningSettings Quick => new()
    {
        Steps = 8,
        SequenceLength = 32,
        BatchTokens = 256,
        LearningRate = 1e-2,
        WarmupFraction = 0.25,
        Label = "test-variant",
    };

    /// <summary>A path inside the workspace (not created).</summary>
    public string Combine(params string[] parts) => _temp.Combine(parts);

    /// <summary>The folder holding everything.</summary>
    public string Folder => _temp.Path;

    /// <summary>Deletes the folder.</summary>
    public void Dispose() => _temp.Dispose();

    private static long[] MakeText()
    {
        var random = new Random(17);
        var text = new long[2000];
        var k = 0;
        for (var i = 0; i < text.Length; i++)
        {
            k = i % 50 == 0 ? random.Next(8) : (5 * k + 3) % 8;
            text[i] = 8 * k;
        }
        return text;
    }
}
