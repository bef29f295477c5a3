using System.Text.Json.Nodes;
using Qcqa.Core.Evaluation;
using Qcqa.Core.Reporting;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Reporting;

/// <summary>The report carries bits per byte and the tokenizer next to the per-token perplexity, keeping the fields it had.</summary>
public sealed class BuildReportQualityTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static VariantSummary Row(string variant, string mode, int kvHeads, ModelQuality quality)
        => new("m", variant, mode, mode == "original" ? null : "0.5", kvHeads, 8, kvHeads * 64L, 0.1, 0.01, "/tmp/out/m/" + variant, true, quality);

    [Fact]
    public void SummaryJsonAndMarkdownGiveBitsPerByteAndTheTokenizer()
    {
        var rows = new[]
        {
            Row("original", "original", 8, new ModelQuality(3.0, 100, 256, 512, 10, BitsPerByte: 1.2345, Tokenizer: "tokenizer.json (byte-level BPE)")),
            Row("ac-50", "arbitrary", 4, new ModelQuality(4.0, 100, 256, 256, 12, BitsPerByte: 1.5, Tokenizer: "tokenizer.json (byte-level BPE)")),
        };

        BuildReport.Write(_temp.Path, rows);

        var quality = JsonNode.Parse(File.ReadAllText(_temp.Combine("summary.json")))!["variants"]![1]!["quality"]!.AsObject();
        Assert.Equal(["perplexity", "scored_tokens", "window", "kv_bytes_per_token", "decode_tokens_per_second", "bits_per_byte", "tokenizer", "precision"],
            quality.Select(p => p.Key));
        Assert.Equal(1.5, quality["bits_per_byte"]!.GetValue<double>());
        var markdown = File.ReadAllText(_temp.Combine("summary.md"));
        Assert.Contains("| perplexity | × original | bits/byte |", markdown);
        Assert.Contains("| 4.000 | 1.333× | 1.5000 |", markdown);
        Assert.Contains("tokenizer.json (byte-level BPE)", markdown);
    }

    [Fact]
    public void AResultCachedBeforeBitsPerByteStillReports()
    {
        var rows = new[] { Row("original", "original", 8, new ModelQuality(3.0, 100, 256, 512, 10)) };

        BuildReport.Write(_temp.Path, rows);

        Assert.Contains("| 3.000 |  |  |", File.ReadAllText(_temp.Combine("summary.md")));
    }

    [Fact]
    public void ABFloat16EvaluationIsNamedInBothReports()
    {
        var rows = new[]
        {
            Row("original", "original", 8, new ModelQuality(3.0, 100, 256, 512, 10) { Precision = "bfloat16" }),
            Row("ac-50", "arbitrary", 4, new ModelQuality(4.0, 100, 256, 256, 12) { Precision = "bfloat16" }),
        };

        BuildReport.Write(_temp.Path, rows);

        var quality = JsonNode.Parse(File.ReadAllText(_temp.Combine("summary.json")))!["variants"]![1]!["quality"]!.AsObject();
        Assert.Equal("bfloat16", quality["precision"]!.GetValue<string>());
        Assert.Contains("Every model was evaluated with its projections in bfloat16", File.ReadAllText(_temp.Combine("summary.md")));
    }
}
