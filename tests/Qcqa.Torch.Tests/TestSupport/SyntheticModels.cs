using Qcqa.Core.Checkpoints;
using Qcqa.Core.Synthetic;

namespace Qcqa.Torch.Tests.TestSupport;

/// <summary>Small runnable synthetic checkpoints: several layers, a head size that is not a power of two.</summary>
internal static class SyntheticModels
{
    /// <summary>Layers of every test model.</summary>
    public const int Layers = 3;

    /// <summary>
    /// Options for a 3-layer model, head size 10, width 36. Weights have std 0.1 (not the default 0.02) so that
    /// attention is far from uniform and merging K/V changes the logits visibly.
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

    /// <summary>Writes a model into <paramref name="folder"/> and returns the folder.</summary>
    public static string Write(string folder, SyntheticCheckpointOptions options)
    {
        SyntheticLlamaCheckpoint.Write(folder, options);
        return folder;
    }
}
