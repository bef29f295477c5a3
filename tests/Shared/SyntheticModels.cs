using Qcqa.Core.Checkpoints;
using Qcqa.Core.Synthetic;

namespace Qcqa.Tests.Shared;

/// <summary>The small synthetic checkpoints the tests use, and a way to write them.</summary>
public static class SyntheticModels
{
    /// <summary>Layers of every <see cref="Options"/> model.</summary>
    public const int Layers = 3;

    /// <summary>
    /// 4 layers of 8 heads (head size 16, width 64), F32, with planted clusters of heads so that a search has
    /// something to find: a few hundred kilobytes, compressed in well under a second (the build fixtures' model).
    /// </summary>
    public static SyntheticCheckpointOptions Small { get; } = new()
    {
        Layers = 4,
        Heads = 8,
        HeadDim = 16,
        Hidden = 64,
        Intermediate = 128,
        Vocab = 64,
        Clusters = 4,
        Seed = 7,
    };

    /// <summary>
    /// A runnable 3-layer model, head size 10 (not a power of two), width 36. Weights have std 0.1 (not the default
    /// 0.02) so that attention is far from uniform and merging K/V changes the logits visibly.
    /// </summary>
    public static SyntheticCheckpointOptions Options(SafetensorsDtype dtype = SafetensorsDtype.F32, bool biases = false, int shards = 1,
        int heads = 6, int? kvHeads = null, int vocab = 64, ulong seed = 7) => new()
    {
        Layers = Layers,
        Heads = heads,
        KvHeads = kvHeads,
        HeadDim = 10,
        Hidden = 36,
        Intermediate = 40,
        Vocab = vocab,
        Dtype = dtype,
        Biases = biases,
        Shards = shards,
        WeightStd = 0.1,
        Seed = seed,
    };

    /// <summary>Writes a model (<see cref="Small"/> when <paramref name="options"/> is null) into <paramref name="folder"/> and returns the folder.</summary>
    public static string Write(string folder, SyntheticCheckpointOptions? options = null)
    {
        SyntheticLlamaCheckpoint.Write(folder, options ?? Small);
        return folder;
    }

    /// <summary>Writes a model into <c>folder/name</c> and returns that folder.</summary>
    public static string Write(TempFolder folder, SyntheticCheckpointOptions options, string name = "model") => Write(folder.Combine(name), options);
}
