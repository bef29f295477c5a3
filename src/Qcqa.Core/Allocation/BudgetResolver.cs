using System.Globalization;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Allocation;

/// <summary>
/// The one place budget rules are applied: range checks, the floor of the global budget, the rounding and snapping
/// of fractions, counts the mode cannot make, pins and their contradictions, layers without a budget, and the
/// capacity check. Every problem is collected, each at the position of the part at fault.
/// </summary>
internal static class BudgetResolver
{
    // b · ΣH is computed in double; a product meant to be an integer may land a hair below it (0.3 × 10, 0.7 × 10).
    private const double IntegerSlack = 1e-9;

    /// <summary>See <see cref="KvBudget.Resolve"/>. MQA takes no budget: pass null and every layer keeps 1.</summary>
    internal static BudgetResolution Resolve(KvBudget? budget, IReadOnlyList<int> heads, GroupingMode mode, string? modelName)
    {
        Preconditions.CheckNotNull(heads);
        Preconditions.CheckArgument(heads.Count > 0 && heads.All(h => h > 0), "Every layer needs at least one KV head.");
        var problems = new List<Diagnostic>();
        var model = modelName is null ? "the model" : $"model '{modelName}'";
        if (mode == GroupingMode.Mqa)
        {
            if (budget is not null)
                problems.Add(new Diagnostic(ErrorCodes.ImpossibleBudget, "Mode 'mqa' keeps exactly one KV head per layer and takes no budget.", budget.Location));
            var one = heads.Select(_ => 1).ToArray();
            return Result(new ResolvedBudget(budget ?? new KvBudget(), mode, heads, one, new bool[heads.Count], null, $"all {heads.Sum()}"));
        }
        Preconditions.CheckNotNull(budget);

        var count = heads.Count;
        void Problem(SourceLocation at, string message) => problems.Add(new Diagnostic(ErrorCodes.ImpossibleBudget, message, at));
        var layersText = count == 1 ? "layer 0" : $"layers 0-{count - 1}";

        CheckFraction(budget.GlobalFraction, "The global KV budget", budget.Location, Problem);
        CheckFraction(budget.PerLayerFraction, "The per-layer KV budget", budget.Location, Problem);
        foreach (var rule in budget.Layers)
        {
            if (rule.Layers.First < 0 || rule.Layers.First > rule.Layers.Last)
                Problem(rule.Location, $"The budget names {rule.Layers}, which is not a range of layers; {model} has {layersText}.");
            else if (rule.Layers.Last >= count)
                Problem(rule.Location, $"Layer {rule.Layers.Last} does not exist: {model} has {layersText}.");
            if (rule.Value.Kind == LayerBudgetKind.Fraction)
                CheckFraction(rule.Value.Fraction, $"The budget for {rule.Layers}", rule.Location, Problem);
            else if (!Enum.IsDefined(rule.Value.Kind))
                Problem(rule.Location, $"The budget for {rule.Layers} must give either a fraction or a number of KV heads (or mha), not nothing.");
        }
        foreach (var keep in budget.KeepMha.Where(k => k.Layer < 0 || k.Layer >= count))
            Problem(keep.Location, $"keep_mha names layer {keep.Layer}, but {model} has {layersText}.");
        problems.AddRange(PinConflicts(budget, heads));

        var caps = new int[count];
        var pinned = new bool[count];
        var uncovered = new List<int>();
        var reported = new HashSet<(LayerBudget?, int)>(); // a rule's count problem is reported once per head count, not per layer
        // One message per rule (not per layer) when a fraction leaves layers with less than one KV head.
        var tooSmall = new Dictionary<(LayerBudget? Rule, int Heads), List<int>>();
        for (var layer = 0; layer < count; layer++)
        {
            var h = heads[layer];
            pinned[layer] = budget.IsPinned(layer);
            var rules = budget.Layers.Where(r => r.Covers(layer) && r.Value.Kind is LayerBudgetKind.Fraction or LayerBudgetKind.HeadCount).ToList();
            if (pinned[layer])
                caps[layer] = h;
            else if (rules.Count > 0)
                caps[layer] = rules.Min(rule => RuleCap(rule, layer, h));
            else if (budget.PerLayerFraction is { } uniform && KvBudget.IsFraction(uniform))
                caps[layer] = FractionCap(null, uniform, layer, h);
            else if (budget.PerLayerFraction is not null || budget.GlobalFraction is not null)
                caps[layer] = h;
            else
            {
                uncovered.Add(layer);
                caps[layer] = h;
            }
        }

        if (uncovered.Count > 0)
            Problem(budget.Location, $"No budget for {Describe(uncovered)}: list {(uncovered.Count == 1 ? "it" : "them")} under 'layers', or set 'global' or 'per_layer' for the layers not listed.");
        foreach (var ((rule, h), layers) in tooSmall)
        {
            var fraction = rule?.Value.Fraction ?? budget.PerLayerFraction!.Value;
            var source = rule is null ? $"per_layer {Text(fraction)}" : $"The fraction {Text(fraction)} for {rule.Layers}";
            Problem(rule?.Location ?? budget.Location,
                $"{source} leaves {Describe(layers)} ({h} KV heads) with less than one KV head (round({Text(fraction)} × {h}) = 0); " +
                $"every layer keeps at least 1, which needs a fraction above {Text(0.5 / h)}.");
        }

        int? maxTotal = null;
        var totalHeads = heads.Sum();
        var globalText = $"all {totalHeads}";
        if (budget.GlobalFraction is { } global && KvBudget.IsFraction(global))
        {
            maxTotal = (int)Math.Floor(global * totalHeads + IntegerSlack);
            globalText = $"floor({Text(global)} × {totalHeads}) = {maxTotal}";
        }
        var resolved = new ResolvedBudget(budget, mode, heads, caps, pinned, maxTotal, globalText);
        if (problems.Count == 0 && resolved.CheckCapacity(Enumerable.Range(0, count).Select(resolved.MinKvHeads).ToArray(), modelName) is { } full)
            problems.Add(full);
        return problems.Count == 0 ? Result(resolved) : new BudgetResolution(null, problems);

        int RuleCap(LayerBudget rule, int layer, int h)
        {
            if (rule.Value.Kind == LayerBudgetKind.Fraction)
                return KvBudget.IsFraction(rule.Value.Fraction) ? FractionCap(rule, rule.Value.Fraction, layer, h) : h;
            var n = rule.Value.HeadCount;
            var first = reported.Add((rule, h));
            if (n < 1 || n > h)
            {
                if (first) Problem(rule.Location, $"Layer {layer} has {h} KV heads, so it cannot keep {n}; use 1..{h}.");
                return h;
            }
            // A count is the user's explicit choice: a G the mode cannot make is an error, not a silent snap.
            if (!mode.Allows(h, n))
            {
                if (first)
                    Problem(rule.Location, $"Mode '{mode.ToName()}' needs groups of equal size, so the KV-head count of layer {layer} must divide its {h} heads; " +
                                           $"{n} does not (the mode can keep G in {{{string.Join(", ", mode.AllowedGroupCounts(h))}}}).");
                return h;
            }
            // A count is a cap, like every budget: the allocator may keep fewer when a global budget binds.
            return n;
        }

        int FractionCap(LayerBudget? rule, double fraction, int layer, int h)
        {
            // round(b · H) with exact halves going down.
            var rounded = (int)Math.Ceiling(fraction * h - 0.5 - IntegerSlack);
            if (rounded >= 1) return Snap(mode, h, rounded);
            if (!tooSmall.TryGetValue((rule, h), out var layers)) tooSmall[(rule, h)] = layers = [];
            layers.Add(layer);
            return h;
        }
    }

    /// <summary>
    /// Layers pinned by <c>keep_mha</c> that a rule other than <c>mha</c> also names: a contradiction, reported at the
    /// <c>keep_mha</c> item. Needs no model shape (the spec reader reports these while parsing); with
    /// <paramref name="heads"/> the message names the layer's KV heads.
    /// </summary>
    internal static IEnumerable<Diagnostic> PinConflicts(KvBudget budget, IReadOnlyList<int>? heads)
    {
        foreach (var kept in budget.KeepMha)
        {
            var rule = budget.Layers.FirstOrDefault(e => e.Covers(kept.Layer) && e.Value.Kind != LayerBudgetKind.Mha);
            if (rule is null) continue;
            var pinned = heads is not null && kept.Layer >= 0 && kept.Layer < heads.Count
                ? $"Layer {kept.Layer} is pinned to MHA ({heads[kept.Layer]} KV heads) by keep_mha"
                : $"Layer {kept.Layer} is in keep_mha";
            var where = rule.Location.Line > 0 ? $"'{rule.RangeText}', line {rule.Location.Line}" : $"'{rule.RangeText}'";
            yield return new Diagnostic(ErrorCodes.ImpossibleBudget,
                $"{pinned}, but budget.layers gives it {rule.Value} ({where}); remove one of them.", kept.Location);
        }
    }

    /// <summary>The allowed G nearest to <paramref name="cap"/>; on a tie the smaller.</summary>
    private static int Snap(GroupingMode mode, int heads, int cap)
    {
        var best = -1;
        foreach (var g in mode.AllowedGroupCounts(heads))
            if (best < 0 || Math.Abs(g - cap) < Math.Abs(best - cap)) best = g;
        return best;
    }

    private static void CheckFraction(double? fraction, string what, SourceLocation at, Action<SourceLocation, string> problem)
    {
        if (fraction is { } f && !KvBudget.IsFraction(f))
            problem(at, $"{what} must be a fraction of the KV heads in (0, 1]; got {Text(f)}.");
    }

    private static BudgetResolution Result(ResolvedBudget budget) => new(budget, []);

    internal static string Text(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

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
