using Qcqa.Core.Grouping;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Spec;

/// <summary>Applies a variant's budget to a model shape (see <see cref="VariantSpec.ResolveBudget"/>).</summary>
internal static class BudgetResolver
{
    // Absorbs representation error so that 0.3·10 counts as 3 KV heads, not 2.
    private const double Epsilon = 1e-9;

    internal static BudgetResolution Resolve(VariantSpec variant, IReadOnlyList<int> heads, List<Diagnostic> problems)
    {
        Preconditions.CheckNotNull(heads);
        Preconditions.CheckArgument(heads.Count > 0 && heads.All(h => h > 0), "Every layer needs at least one KV head.");
        if (variant.Mode == GroupingMode.Mqa)
            return new BudgetResolution(heads.Select((h, l) => new LayerKvLimit(l, h, 1, 1)).ToArray(), null);

        var budget = variant.Budget ?? throw new InvalidOperationException($"Variant '{variant.Name}' ({variant.Mode}) has no budget.");
        var count = heads.Count;
        void Problem(SourceLocation at, string message) => problems.Add(new Diagnostic(ErrorCodes.ImpossibleBudget, message, at));

        foreach (var entry in budget.Layers.Where(e => e.Last >= count))
            Problem(entry.Location, $"Layer {entry.Last} does not exist: model '{variant.ModelName}' has {count} layers (0-{count - 1}).");
        foreach (var keep in budget.KeepMha.Where(k => k.Layer >= count))
            Problem(keep.Location, $"keep_mha names layer {keep.Layer}, but model '{variant.ModelName}' has {count} layers (0-{count - 1}).");

        var limits = new LayerKvLimit[count];
        var uncovered = new List<int>();
        var countChecked = new HashSet<(SourceLocation, int)>(); // a range entry is reported once, not per layer
        // One message per budget entry (not per layer) when a fraction leaves layers with less than one KV head.
        var tooSmall = new Dictionary<(SourceLocation At, int Heads), (double Fraction, string Source, List<int> Layers)>();
        for (var layer = 0; layer < count; layer++)
        {
            var h = heads[layer];
            var value = budget.ExplicitValueFor(layer);
            var entryLocation = budget.Layers.FirstOrDefault(e => e.Covers(layer))?.Location ?? budget.Location;
            limits[layer] = value switch
            {
                null when budget.PerLayerFraction is { } f => Cap(layer, h, f, budget.Location, "per_layer"),
                null when budget.GlobalFraction is not null => new LayerKvLimit(layer, h, 1, h),
                null => Uncovered(layer, h),
                { Kind: LayerBudgetKind.Mha } => new LayerKvLimit(layer, h, h, h),
                { Kind: LayerBudgetKind.Fraction } v => Cap(layer, h, v.Fraction, entryLocation, "The fraction"),
                { } v => Count(layer, h, v.HeadCount, entryLocation),
            };
        }

        if (uncovered.Count > 0)
            Problem(budget.Location, $"No budget for {Describe(uncovered)}: list {(uncovered.Count == 1 ? "it" : "them")} under 'layers', or set 'global' or 'per_layer' for the layers not listed.");
        foreach (var ((at, h), (fraction, source, layers)) in tooSmall)
            Problem(at, $"{source} {fraction} leaves {Describe(layers)} ({h} KV heads) with less than one KV head ({fraction} × {h} < 1); use at least {1.0 / h:0.####}.");

        int? total = null;
        if (budget.GlobalFraction is { } g)
        {
            var totalHeads = heads.Sum();
            total = (int)Math.Floor(g * totalHeads + Epsilon);
            var needed = limits.Sum(l => l.MinKvHeads);
            if (needed > total)
                Problem(budget.Location,
                    $"The global budget {g} allows {total} of the {totalHeads} KV heads of model '{variant.ModelName}', but the fixed layers " +
                    $"and one KV head for every other layer already need {needed}; raise the budget or fix fewer layers.");
        }
        return new BudgetResolution(limits, total);

        LayerKvLimit Cap(int layer, int h, double fraction, SourceLocation at, string source)
        {
            // The allocator's rounding (Allocation.BudgetResolver): round(f·H), exact halves down.
            var cap = (int)Math.Ceiling(fraction * h - 0.5 - Epsilon);
            if (cap < 1)
            {
                if (!tooSmall.TryGetValue((at, h), out var entry)) tooSmall[(at, h)] = entry = (fraction, source, []);
                entry.Layers.Add(layer);
            }
            return new LayerKvLimit(layer, h, 1, Math.Max(cap, 1));
        }

        LayerKvLimit Count(int layer, int h, int n, SourceLocation at)
        {
            var firstTime = countChecked.Add((at, h));
            if (firstTime && n > h)
                Problem(at, $"Layer {layer} has {h} KV heads, so it cannot keep {n}.");
            else if (firstTime && variant.Mode is GroupingMode.Equal or GroupingMode.Gqa && h % n != 0)
                Problem(at, $"Mode '{variant.Mode.ToName()}' needs groups of equal size, so the KV-head count of layer {layer} must divide its {h} heads; {n} does not.");
            // A count is a cap, like every budget: the allocator may keep fewer when a global budget binds.
            return new LayerKvLimit(layer, h, 1, Math.Min(n, h));
        }

        LayerKvLimit Uncovered(int layer, int h)
        {
            uncovered.Add(layer);
            return new LayerKvLimit(layer, h, 1, h);
        }
    }

    /// <summary>"layer 3" or "layers 0-2, 5": runs of consecutive layers folded into ranges.</summary>
    internal static string Describe(IReadOnlyList<int> layers)
    {
        var runs = new List<string>();
        for (var i = 0; i < layers.Count;)
        {
            var j = i;
            while (j + 1 < layers.Count && layers[j + 1] == layers[j] + 1) j++;
            runs.Add(i == j ? $"{layers[i]}" : $"{layers[i]}-{layers[j]}");
            i = j + 1;
        }
        return layers.Count == 1 ? $"layer {runs[0]}" : $"layers {string.Join(", ", runs)}";
    }
}
