using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Cli.Output;

/// <summary>The one-screen per-layer summary of a grouping: G, relative WSE, and plain GQA at the same G.</summary>
internal static class GroupingSummary
{
    internal static void Write(TextWriter output, ModelGrouping grouping, IReadOnlyList<GramMatrix> grams)
    {
        var table = new TextTable("layer", "KV heads", "group sizes", "WSE rel.", "GQA same G", "vs GQA");
        foreach (var layer in grouping.Layers)
        {
            var gram = grams[layer.Index];
            var g = layer.Grouping;
            var rel = layer.WseRelative ?? WseCalculator.Relative(WseCalculator.FromGram(gram, g), gram);
            string gqa = "n/a", versus = "n/a";
            if (g.HeadCount % g.GroupCount == 0)
            {
                var gqaRel = WseCalculator.Relative(WseCalculator.FromGram(gram, LayerGrouping.Gqa(g.HeadCount, g.GroupCount)), gram);
                gqa = gqaRel.ToString("0.0000");
                versus = gqaRel > 0 ? $"{(rel / gqaRel - 1) * 100:+0.0;-0.0;0.0}%" : "=";
            }
            var sizes = string.Join(",", g.Groups.Select(s => s.Count).OrderByDescending(s => s).GroupBy(s => s).Select(s => s.Count() > 1 ? $"{s.Key}x{s.Count()}" : $"{s.Key}"));
            table.Add(layer.Index.ToString(), $"{g.GroupCount}/{g.HeadCount}", sizes, rel.ToString("0.0000"), gqa, versus);
        }
        table.Write(output);
        output.WriteLine();
        output.WriteLine($"KV heads kept: {grouping.KvHeadsTotal} of {grouping.HeadsTotal} ({100.0 * grouping.KvHeadsTotal / grouping.HeadsTotal:0.0}% of the KV cache)");
        if (grouping.WseTotal is { } total) output.WriteLine($"WSE total: {total:G6}");
    }
}
