using System.Globalization;
using System.Text;
using System.Text.Json;
using Qcqa.Core.Reporting;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The report stage: <c>summary.json</c> and <c>summary.md</c> for all variants, and per evaluated model two
/// pictures — perplexity against KV-cache fraction (one line per method) and perplexity against WSE with its rank
/// correlation.
/// </summary>
public static class BuildReport
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Writes the report files into <paramref name="outputFolder"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string outputFolder, IReadOnlyList<VariantSummary> rows)
    {
        var written = new List<string>();
        var charts = new Dictionary<string, (string Tradeoff, string Correlation, double Rho)>();
        foreach (var model in rows.GroupBy(r => r.Model))
        {
            var evaluated = model.Where(r => r.Quality is not null).ToList();
            if (evaluated.Count < 2) continue;
            var tradeoff = Path.Combine(outputFolder, model.Key, "tradeoff.svg");
            var correlation = Path.Combine(outputFolder, model.Key, "wse-vs-perplexity.svg");
            AtomicFile.WriteAllText(tradeoff, TradeoffChart(model.Key, evaluated).Render());
            var compressed = evaluated.Where(r => r.Mode != "original").ToList();
            var rho = RankCorrelation.Spearman(compressed.Select(r => r.WseRelative).ToArray(), compressed.Select(r => r.Quality!.Perplexity).ToArray());
            AtomicFile.WriteAllText(correlation, CorrelationChart(model.Key, compressed, rho).Render());
            written.Add(tradeoff);
            written.Add(correlation);
            charts[model.Key] = (Path.GetRelativePath(outputFolder, tradeoff), Path.GetRelativePath(outputFolder, correlation), rho);
        }

        var jsonPath = Path.Combine(outputFolder, "summary.json");
        AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            variants = rows.Select(r => new
            {
                r.Model, r.Variant, r.Mode, r.Budget, r.KvHeads, r.KvHeadsOriginal, kv_fraction = r.KvFraction, r.KvBytesPerToken,
                // Relative to the summary, so the report stays valid when the output folder is moved or committed.
                r.Wse, r.WseRelative, output = Path.GetRelativePath(outputFolder, r.Output), r.Rebuilt, r.Quality,
            }),
            wse_perplexity_spearman = charts.ToDictionary(c => c.Key, c => double.IsNaN(c.Value.Rho) ? (double?)null : c.Value.Rho),
        }, Json));
        written.Add(jsonPath);

        var markdownPath = Path.Combine(outputFolder, "summary.md");
        AtomicFile.WriteAllText(markdownPath, Markdown(rows, charts));
        written.Add(markdownPath);
        return written;
    }

    private static string Markdown(IReadOnlyList<VariantSummary> rows, Dictionary<string, (string Tradeoff, string Correlation, double Rho)> charts)
    {
        var md = new StringBuilder("# QCQA build summary\n");
        foreach (var model in rows.GroupBy(r => r.Model))
        {
            var original = model.FirstOrDefault(r => r.Mode == "original");
            var basePpl = original?.Quality?.Perplexity;
            md.Append(CultureInfo.InvariantCulture, $"\n## {model.Key}\n\n");
            md.Append("| variant | mode | KV heads | % of original | KV bytes/token | WSE relative | perplexity | vs original | bits/byte |\n");
            md.Append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var r in model.OrderBy(r => r.Mode == "original" ? 0 : 1).ThenByDescending(r => r.KvFraction).ThenBy(r => ModeOrder(r.Mode)))
            {
                var ppl = r.Quality?.Perplexity;
                var change = ppl is { } p && basePpl is { } b && r.Mode != "original" ? $"{(p / b - 1) * 100:+0.0;-0.0;0.0} %" : "";
                md.Append(CultureInfo.InvariantCulture,
                    $"| {r.Variant} | {r.Mode} | {r.KvHeads}/{r.KvHeadsOriginal} | {r.KvFraction * 100:0.0} % | {r.KvBytesPerToken:N0} | {r.WseRelative:0.0000} | {(ppl is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "")} | {change} | {(r.Quality?.BitsPerByte is { } bpb ? bpb.ToString("0.0000", CultureInfo.InvariantCulture) : "")} |\n");
            }
            if (model.Select(r => r.Quality?.Tokenizer).FirstOrDefault(t => t is not null) is { } tokenizer)
                md.Append(CultureInfo.InvariantCulture, $"\nPerplexity is per token of the model's tokenizer ({tokenizer}); bits per byte compare across tokenizers.\n");
            if (charts.TryGetValue(model.Key, out var c))
            {
                md.Append(CultureInfo.InvariantCulture, $"\n![Perplexity against KV-cache size]({c.Tradeoff})\n\n![Perplexity against WSE]({c.Correlation})\n\n");
                md.Append(CultureInfo.InvariantCulture, $"Spearman rank correlation of WSE (relative) and perplexity over the compressed variants: {(double.IsNaN(c.Rho) ? "n/a" : c.Rho.ToString("0.000", CultureInfo.InvariantCulture))}.\n");
            }
        }
        return md.ToString();
    }

    private static int ModeOrder(string mode) => mode switch { "gqa" => 0, "mqa" => 1, "equal" => 2, "arbitrary" => 3, _ => 4 };

    private static string MethodName(string mode) => mode switch
    {
        "gqa" => "GQA", "mqa" => "MQA", "equal" => "QCQA-EC", "arbitrary" => "QCQA-AC", _ => mode,
    };

    private static SvgChart TradeoffChart(string model, IReadOnlyList<VariantSummary> rows)
    {
        var original = rows.FirstOrDefault(r => r.Mode == "original");
        var series = rows.Where(r => r.Mode != "original").GroupBy(r => r.Mode).OrderBy(g => ModeOrder(g.Key))
            .Select(g =>
            {
                var points = g.Select(r => (r.KvFraction, r.Quality!.Perplexity)).ToList();
                if (original is not null) points.Add((1.0, original.Quality!.Perplexity));
                return new ChartSeries(MethodName(g.Key), points);
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

    private static SvgChart CorrelationChart(string model, IReadOnlyList<VariantSummary> rows, double rho) => new()
    {
        Title = $"{model}: perplexity against weight-sharing error",
        Subtitle = $"Spearman rank correlation ρ = {(double.IsNaN(rho) ? "n/a" : rho.ToString("0.000", CultureInfo.InvariantCulture))} over {rows.Count} variants",
        XLabel = "WSE (relative to K/V energy)",
        YLabel = "perplexity",
        LogY = true,
        Series = rows.GroupBy(r => r.Mode).OrderBy(g => ModeOrder(g.Key))
            .Select(g => new ChartSeries(MethodName(g.Key), g.Select(r => (r.WseRelative, r.Quality!.Perplexity)).ToList(), Connect: false,
                Labels: g.Select(r => $"{r.KvFraction * 100:0}%").ToList()))
            .ToList(),
    };
}
