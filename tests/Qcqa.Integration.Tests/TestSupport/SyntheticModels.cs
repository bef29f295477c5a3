using Qcqa.Core.Synthetic;

namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>The small synthetic checkpoint the integration tests compress.</summary>
public static class SyntheticModels
{
    /// <summary>
    /// 4 layers of 8 heads (head size 16, width 64), F32, with planted clusters of heads so that a search has
    /// something to find: a few hundred kilobytes, compressed in well under a second.
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

    /// <summary>Writes <see cref="Small"/> (or <paramref name="options"/>) into <paramref name="folder"/>.</summary>
    public static SyntheticLlamaCheckpoint Write(string folder, SyntheticCheckpointOptions? options = null)
        => SyntheticLlamaCheckpoint.Write(folder, options ?? Small);
}
