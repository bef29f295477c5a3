using System.Globalization;
using System.Text;
using System.Text.Json;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Reporting;

/// <summary>
/// The report stage: <c>summary.json</c> and <c>summary.md</c> for all variants, and per evaluated model two
/// pictures — perplexity against KV-cache fraction (one line per method: grouping mode, merge, fine-tuning) and
/// perplexity against each variant's fitness, with its rank correlation.
/// </summary>
/// <remarks>
/// A variant's fitness is what its own pipeline minimised, so it is compared within one merge: the paper's mean
/// merge by its WSE, the aligned merge by the KL cost stage 2 predicted (measured per layer), or its aligned error
/// when no cost was probed. Each family gets its own rank correlation.
/// </remarks>
public static class BuildReport
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Writes the report files into <paramref name="outputFolder"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string outputFolder, IReadOnlyList<VariantSummary> rows)
    {
        var written = new List<string>();
        var charts = new Dictionary<string, ModelCharts>();
        foreach (var model in rows.GroupBy(r => r.Model))
        {
            var evaluated = model.Where(r => r.Quality is not null).ToList();
            if (evaluated.Count < 2) continue;
            var tradeoff = Path.Combine(outputFolder, model.Key, "tradeoff.svg");
            var correlation = Path.Combine(outputFolder, model.Key, "fitness-vs-perplexity.svg");
            AtomicFile.WriteAllText(tradeoff, TradeoffChart(model.Key, evaluated).Render());
            var families = evaluated.Where(r => !r.IsOriginal && !IsFineTuned(r)).GroupBy(FitnessFamily).OrderBy(f => f.Key)
                .ToDictionary(f => f.Key, f => RankCorrelation.Spearman(f.Select(Fitness).ToArray(), f.Select(r => r.Quality!.Perplexity).ToArray()));
            AtomicFile.WriteAllText(correlation, CorrelationChart(model.Key, evaluated.Where(r => !r.IsOriginal && !IsFineTuned(r)).ToList(), families).Render());
            written.Add(tradeoff);
            written.Add(correlation);
            charts[model.Key] = new ModelCharts(Path.GetRelativePath(outputFolder, tradeoff), Path.GetRelativePath(outputFolder, correlation), families);
        }

        var jsonPath = Path.Combine(outputFolder, "summary.json");
        AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            variants = rows.Select(r => new
            {
                r.Model, r.Variant, r.Mode, r.Budget, r.KvHeads, r.KvHeadsOriginal, kv_fraction = r.KvFraction, r.KvBytesPerToken,
                // Relative to the summary, so the report stays valid when the output folder is moved or committed.
                r.Wse, r.WseRelative, output = Path.GetRelativePath(outputFolder, r.Output), r.Rebuilt, r.Quality, r.Recipe,
                perplexity_ratio = Ratio(r, rows),
            }),
            fitness_perplexity_spearman = charts.ToDictionary(c => c.Key,
                c => c.Value.Families.ToDictionary(f => f.Key, f => double.IsNaN(f.Value) ? (double?)null : f.Value)),
        }, Json));
        written.Add(jsonPath);

        var markdownPath = Path.Combine(outputFolder, "summary.md");
        AtomicFile.WriteAllText(markdownPath, Markdown(rows, charts));
        written.Add(markdownPath);
        return written;
    }

    private sealed record ModelCharts(string Tradeoff, string Correlation, IReadOnlyDictionary<string, double> Families);

    private static string Markdown(IReadOnlyList<VariantSummary> rows, Dictionary<string, ModelCharts> charts)
    {
        var md = new StringBuilder("# QCQA build summary\n");
        foreach (var model in rows.GroupBy(r => r.Model))
        {
            md.Append(CultureInfo.InvariantCulture, $"\n## {model.Key}\n");
            Grid(md, model.ToList());
            md.Append("\n### Every variant\n\n");
            md.Append("| variant | mode | merge | fitness | allocation | KV heads | % of original | KV bytes/token | WSE relative | predicted KL | perplexity | × original | bits/byte |\n");
            md.Append("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var r in model.OrderBy(r => r.IsOriginal ? 0 : 1).ThenByDescending(r => r.KvFraction).ThenBy(r => ModeOrder(r.Mode))
                         .ThenBy(r => r.Recipe?.Merge).ThenBy(r => r.Recipe?.FineTuned))
            {
                var ppl = r.Quality?.Perplexity;
                var ratio = Ratio(r, rows);
                var recipe = r.Recipe;
                md.Append(CultureInfo.InvariantCulture,
                    $"| {r.Variant} | {r.Mode} | {(recipe is null ? "" : recipe.Merge + (recipe.FineTuned ? " + fine-tuned" : ""))} | {recipe?.Fitness} | {recipe?.Allocation} " +
                    $"| {r.KvHeads}/{r.KvHeadsOriginal} | {r.KvFraction * 100:0.0} % | {r.KvBytesPerToken:N0} | {r.WseRelative:0.0000} " +
                    $"| {(recipe?.PredictedCost is { } kl ? kl.ToString("0.0000", CultureInfo.InvariantCulture) : "")} " +
                    $"| {(ppl is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "")} | {(ratio is { } x && !r.IsOriginal ? x.ToString("0.000", CultureInfo.InvariantCulture) + "×" : "")} " +
                    $"| {(r.Quality?.BitsPerByte is { } bpb ? bpb.ToString("0.0000", CultureInfo.InvariantCulture) : "")} |\n");
            }
            if (model.Select(r => r.Quality?.Tokenizer).FirstOrDefault(t => t is not null) is { } tokenizer)
                md.Append(CultureInfo.InvariantCulture, $"\nPerplexity is per token of the model's tokenizer ({tokenizer}); bits per byte compare across tokenizers.\n");
            if (charts.TryGetValue(model.Key, out var c))
            {
                md.Append(CultureInfo.InvariantCulture, $"\n![Perplexity against KV-cache size]({c.Tradeoff})\n\n![Perplexity against fitness]({c.Correlation})\n\n");
                md.Append("Spearman rank correlation of each variant's fitness and its perplexity (fine-tuned variants excluded):\n\n");
                foreach (var (family, rho) in c.Families)
                    md.Append(CultureInfo.InvariantCulture, $"- {family}: {(double.IsNaN(rho) ? "n/a" : rho.ToString("0.000", CultureInfo.InvariantCulture))}\n");
            }
        }
        return md.ToString();
    }

    // Every model of a build is evaluated in one precision; the report says which when it is not plain float32.
    private static string PrecisionNote(IReadOnlyList<VariantSummary> rows)
        => rows.Select(r => r.Quality?.Precision).FirstOrDefault(p => p is not null && p != "float32") is { } precision
            ? $" Every model was evaluated with its projections in {precision} (norms, softmax and the residual stream in float32)."
            : "";

    // Perplexity as a multiple of the original's, one row per KV size and one column per method.
    private static void Grid(StringBuilder md, IReadOnlyList<VariantSummary> rows)
    {
        var original = rows.FirstOrDefault(r => r.IsOriginal)?.Quality?.Perplexity;
        var compressed = rows.Where(r => !r.IsOriginal && r.Quality is not null).ToList();
        if (original is null || compressed.Count == 0) return;
        var methods = compressed.Select(r => (Name: MethodLabel(r), Order: MethodOrder(r))).Distinct().OrderBy(m => m.Order).ThenBy(m => m.Name).Select(m => m.Name).ToList();
        md.Append(CultureInfo.InvariantCulture,
            $"\nHeld-out perplexity as a multiple of the original's ({original.Value.ToString("0.000", CultureInfo.InvariantCulture)}); lower is better.{PrecisionNote(rows)}\n\n");
        md.Append("| KV cache | ").Append(string.Join(" | ", methods)).Append(" |\n");
        md.Append("|---:|").Append(string.Concat(methods.Select(_ => "---:|"))).Append('\n');
        foreach (var size in compressed.GroupBy(r => Math.Round(r.KvFraction, 4)).OrderByDescending(g => g.Key))
        {
            md.Append(CultureInfo.InvariantCulture, $"| {size.Key * 100:0.#} % |");
            foreach (var method in methods)
            {
                var cell = size.Where(r => MethodLabel(r) == method).Select(r => r.Quality!.Perplexity / original.Value).ToList();
                md.Append(cell.Count == 0 ? " |" : string.Create(CultureInfo.InvariantCulture, $" {cell.Min():0.000}× |"));
            }
            md.Append('\n');
        }
    }

    private static double? Ratio(VariantSummary row, IReadOnlyList<VariantSummary> rows)
        => row.Quality?.Perplexity is { } p && rows.FirstOrDefault(r => r.IsOriginal && r.Model == row.Model)?.Quality?.Perplexity is { } b ? p / b : null;

    private static bool IsFineTuned(VariantSummary row) => row.Recipe?.FineTuned == true;

    // The fitness a variant's pipeline minimised, and the family it is comparable within.
    private static double Fitness(VariantSummary row) => row.Recipe switch
    {
        { Merge: "aligned", PredictedCost: { } kl } => kl,
        { Merge: "aligned" } recipe => recipe.FitnessError,
        _ => row.WseRelative,
    };

    private static string FitnessFamily(VariantSummary row) => row.Recipe switch
    {
        { Merge: "aligned", PredictedCost: not null } => "aligned merge: predicted KL (measured per layer)",
        { Merge: "aligned" } => "aligned merge: aligned error",
        _ => "mean merge (paper): WSE",
    };

    // GQA, EC, AC; within each: the paper's merge, the aligned merge, the aligned merge fine-tuned; other allocations last.
    private static int MethodOrder(VariantSummary row)
    {
        var recipe = row.Recipe;
        var merge = recipe is null ? 0 : recipe.Merge == "mean" ? 0 : recipe.FineTuned ? 2 : 1;
        var allocation = recipe is null || IsDefaultAllocation(recipe) ? 0 : 1;
        return ModeOrder(row.Mode) * 100 + allocation * 10 + merge;
    }

    private static bool IsDefaultAllocation(VariantRecipe recipe)
        => recipe.Merge == "mean" ? recipe.Allocation == "wse" : recipe.Allocation is "measured" || (!recipe.Calibrated && recipe.Allocation == "uniform");

    private static string MethodLabel(VariantSummary row)
    {
        var name = MethodName(row.Mode);
        if (row.Recipe is not { } recipe) return name;
        var label = recipe.Merge == "mean" ? $"{name} mean (paper)" : $"{name} aligned";
        if (recipe.FineTuned) label += " + FT";
        if (!IsDefaultAllocation(recipe)) label += $", {recipe.Allocation} allocation";
        return label;
    }

    // Methods in the order of GroupingMode: gqa, mqa, equal, arbitrary, then anything else.
    private static int ModeOrder(string mode) => GroupingModes.TryParse(mode, out var m) ? (int)m : int.MaxValue;

    private static string MethodName(string mode) => GroupingModes.TryParse(mode, out var m)
        ? m switch { GroupingMode.Gqa => "GQA", GroupingMode.Mqa => "MQA", GroupingMode.Equal => "QCQA-EC", GroupingMode.Arbitrary => "QCQA-AC", _ => mode }
        : mode;

    private static SvgChart TradeoffChart(string model, IReadOnlyList<VariantSummary> rows)
    {
        var original = rows.FirstOrDefault(r => r.IsOriginal);
        var series = rows.Where(r => !r.IsOriginal).GroupBy(MethodLabel).OrderBy(g => g.Min(MethodOrder)).ThenBy(g => g.Key)
            .Select(g =>
            {
                var points = g.Select(r => (r.KvFraction, r.Quality!.Perplexity)).ToList();
                // A method with one size (e.g. fine-tuned at 50 %) is a marker, not a line to the original.
                var connect = points.Count > 1;
                if (original is not null && connect) points.Add((1.0, original.Quality!.Perplexity));
                return new ChartSeries(g.Key, points, Connect: connect);
            }).ToList();
        if (original is not null) series.Add(new ChartSeries("original (MHA)", [(1.0, original.Quality!.Perplexity)], Connect: false));
        return new SvgChart
        {
            Title = $"{model}: held-out perplexity against KV-cache size",
            XLabel = "KV-cache size (fraction of the original)",
            YLabel = "perplexity",
            LogY = true,
            Series = series,
        };
    }

    private static SvgChart CorrelationChart(string model, IReadOnlyList<VariantSummary> rows, IReadOnlyDictionary<string, double> families) => new()
    {
        Title = $"{model}: perplexity against each variant's fitness",
        Subtitle = "Spearman ρ: " + string.Join("; ", families.Select(f => $"{f.Key} {(double.IsNaN(f.Value) ? "n/a" : f.Value.ToString("0.000", CultureInfo.InvariantCulture))}")),
        XLabel = "fitness (mean merge: relative WSE; aligned merge: predicted KL)",
        YLabel = "perplexity",
        LogY = true,
        Series = rows.GroupBy(FitnessFamily).OrderBy(g => g.Key)
            .Select(g => new ChartSeries(g.Key, g.Select(r => (Fitness(r), r.Quality!.Perplexity)).ToList(), Connect: false,
                Labels: g.Select(r => $"{MethodName(r.Mode)} {r.KvFraction * 100:0}%").ToList()))
            .ToList(),
    };
}
