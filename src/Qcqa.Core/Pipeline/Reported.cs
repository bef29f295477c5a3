using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Core.Pipeline;

/// <summary>What the grouping file and the report record for a variant, whatever its allocation compared.</summary>
internal static class Reported
{
    /// <summary>
    /// The grouping with each layer's raw WSE (and WSE relative to the layer's K/V energy) — the paper's measure, kept
    /// in every grouping file whatever stage 2 minimised, so variants compare on one scale.
    /// </summary>
    internal static ModelGrouping WithWse(ModelGrouping grouping, ModelStatistics statistics)
        => new(grouping.Mode, grouping.Layers.Select(l =>
        {
            var gram = statistics.Grams[l.Index];
            var wse = WseCalculator.FromGram(gram, l.Grouping);
            return l with { Wse = wse, WseRelative = gram.Trace > 0 ? wse / gram.Trace : 0 };
        }).ToArray());
}
