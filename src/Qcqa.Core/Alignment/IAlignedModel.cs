using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Alignment;

/// <summary>
/// The aligned (function-preserving) merge of one model, as the build's stages use it: the search's fitness, the
/// exact error of a grouping, and the merged projections the writer takes. Implemented by Qcqa.Torch.
/// </summary>
public interface IAlignedModel : IDisposable
{
    /// <summary>The layer's pseudo-Gram matrix: its Gram-form WSE of a group is the pairwise aligned-merge error.</summary>
    GramMatrix FitnessGram(int layer);

    /// <summary>The exact error the aligned merge of <paramref name="grouping"/> leaves in the layer (weighted output error per token).</summary>
    double Error(int layer, LayerGrouping grouping);

    /// <summary>
    /// <see cref="Error"/> of several groupings of one layer (a front's points), in their order. An implementation may
    /// solve their groups side by side: a large model's front holds a few groups whose exact errors cost seconds each.
    /// </summary>
    double[] Errors(int layer, IReadOnlyList<LayerGrouping> groupings) => groupings.Select(g => Error(layer, g)).ToArray();

    /// <summary>The layer's merged projections, or null when the grouping keeps every unit.</summary>
    MergedProjections? Projections(int layer, LayerGrouping grouping);

    /// <summary>
    /// Frees what the model keeps between calls (the prepared layer, kept error Grams: about 2 GB at 7B) before a stage
    /// that plans its own memory (evaluation, fine-tuning); later calls prepare again what they need.
    /// </summary>
    void ReleaseMemory()
    {
    }
}
