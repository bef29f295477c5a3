using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Allocation;

/// <summary>
/// A <see cref="KvBudget"/> made concrete for one model and mode (by <see cref="KvBudget.Resolve"/>): what each layer
/// may keep and the global capacity. What stage 2 allocates within.
/// </summary>
public sealed class ResolvedBudget
{
    internal ResolvedBudget(KvBudget source, GroupingMode mode, IReadOnlyList<int> heads, int[] caps, bool[] pinned, int? maxTotal, string globalText)
        => (Source, Mode, Heads, Caps, Pinned, MaxTotalKvHeads, GlobalText) = (source, mode, heads, caps, pinned, maxTotal, globalText);

    /// <summary>The budget as written (for its position and the fractions it states).</summary>
    public KvBudget Source { get; }

    /// <summary>The mode the caps were resolved for.</summary>
    public GroupingMode Mode { get; }

    /// <summary>H_l per layer.</summary>
    public IReadOnlyList<int> Heads { get; }

    /// <summary>Σ H_l of the model.</summary>
    public int TotalHeads => Heads.Sum();

    /// <summary>Per layer: the most KV heads it may keep, an allowed G of <see cref="Mode"/> (H_l when pinned).</summary>
    public IReadOnlyList<int> Caps { get; }

    /// <summary>Per layer: true when it must stay multi-head attention.</summary>
    public IReadOnlyList<bool> Pinned { get; }

    /// <summary>The fewest KV heads layer <paramref name="layer"/> can keep: H_l when pinned, else the mode's smallest G.</summary>
    public int MinKvHeads(int layer) => Pinned[layer] ? Heads[layer] : Mode.AllowedGroupCounts(Heads[layer]).Min();

    /// <summary>floor(b · Σ H_l) for a global budget b; null when only per-layer caps apply.</summary>
    public int? MaxTotalKvHeads { get; }

    /// <summary>The most KV heads the whole model may keep: <see cref="MaxTotalKvHeads"/>, else Σ H_l.</summary>
    public int Capacity => MaxTotalKvHeads ?? Heads.Sum();

    /// <summary>How the capacity came about, for messages: <c>floor(0.25 × 1024) = 256</c> or <c>all 1024</c>.</summary>
    public string GlobalText { get; }

    /// <summary>The smallest total any allocation within the caps can keep.</summary>
    public int MinTotalKvHeads => Enumerable.Range(0, Heads.Count).Sum(MinKvHeads);

    /// <summary>
    /// The capacity check: the least each layer can keep, summed, must fit <see cref="Capacity"/>. Returns the
    /// problem (QCQA030 at the budget), or null when it fits. The resolver checks the least the mode can make; the
    /// allocator checks the least its fronts offer (hand-made fronts may offer fewer G).
    /// </summary>
    /// <param name="least">Per layer, the fewest KV heads it can keep.</param>
    /// <param name="modelName">The model's name for the message, or null.</param>
    internal Diagnostic? CheckCapacity(IReadOnlyList<int> least, string? modelName = null)
    {
        var needed = least.Sum();
        if (needed <= Capacity) return null;
        var pinnedLayers = Enumerable.Range(0, least.Count).Where(l => Pinned[l]).ToArray();
        var pinnedHeads = pinnedLayers.Sum(l => least[l]);
        var detail = pinnedLayers.Length > 0
            ? $"the {pinnedLayers.Length} layer(s) pinned to MHA keep {pinnedHeads} and the other {least.Count - pinnedLayers.Length} need at least {needed - pinnedHeads}"
            : $"each of the {least.Count} layers keeps at least its smallest allowed G";
        var of = modelName is null ? "" : $" of model '{modelName}'";
        return new Diagnostic(ErrorCodes.ImpossibleBudget,
            $"The KV budget cannot be met: the global budget allows {Capacity} of the {TotalHeads} KV heads{of} ({GlobalText}), " +
            $"but the layers need at least {needed} ({detail}); raise the budget or pin fewer layers.",
            Source.Location);
    }
}
