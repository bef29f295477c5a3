using System.Text.Json.Nodes;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Eval;

/// <summary><c>dotnet qcqa eval</c> run in process on a tiny byte-level synthetic checkpoint.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class EvalCommandRunTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _model;
    private readonly string _text;

    public EvalCommandRunTests()
    {
        _model = _temp.Combine("model");
        SyntheticLlamaCheckpoint.Write(_model, new SyntheticCheckpointOptions
        {
            Layers = 2, Heads = 4, KvHeads = 2, HeadDim = 6, Hidden = 24, Intermediate = 32, Vocab = 256, Dtype = SafetensorsDtype.BF16,
        });
        _text = _temp.Combine("held-out.txt");
        File.WriteAllText(_text, string.Concat(Enumerable.Repeat("QCQA groups query heads by the error of sharing their keys and values. ", 4)));
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task WithJsonItPrintsTheResultWithSnakeCaseFields()
    {
        var run = await CliRun.InvokeAsync("eval", _model, "--text", _text, "--max-tokens", "200", "--window", "64", "--generate", "4", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var json = (JsonObject)JsonNode.Parse(run.Output)!;
        Assert.Equal(200, json["tokens"]!.GetValue<long>());
        Assert.Equal(64, json["window_size"]!.GetValue<int>());
        Assert.Equal(4, json["windows"]!.GetValue<int>()); // 64 + 64 + 64 + a tail of 8
        Assert.Equal(3 * 63 + 7, json["scored_tokens"]!.GetValue<long>());
        var perplexity = json["perplexity"]!.GetValue<double>();
        Assert.InRange(perplexity, 1, 10_000);
        Assert.Equal(Math.Log(perplexity), json["mean_nll"]!.GetValue<double>(), 9);
        // The synthetic model's tokenizer.json reads bytes, so bits per byte is the mean NLL in bits.
        Assert.Equal(json["mean_nll"]!.GetValue<double>() / Math.Log(2), json["bits_per_byte"]!.GetValue<double>(), 9);
        // 2 layers × 2 KV heads × 6 values × K and V × 4 bytes (float32 cache).
        Assert.Equal(2 * 2 * 6 * 2 * 4, json["kv_cache_bytes_per_token"]!.GetValue<double>());
        Assert.Equal(4, json["generated_tokens"]!.GetValue<int>());
        Assert.True(json["decode_tokens_per_second"]!.GetValue<double>() > 0);
        Assert.True(json["elapsed_seconds"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task WithoutJsonItPrintsAShortSummary()
    {
        var run = await CliRun.InvokeAsync("eval", _model, "--text", _text, "--window", "32");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("perplexity", run.Output);
        Assert.DoesNotContain("KV cache", run.Output);
    }

    [Fact]
    public async Task AMissingTextFileIsQcqa050NamingTheFile()
    {
        var missing = _temp.Combine("nowhere.txt");

        var run = await CliRun.InvokeAsync("eval", _model, "--text", missing);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{missing}: error QCQA050: ", Assert.Single(run.ErrorLines));
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("gpu", "QCQA003")]
    [InlineData("cuda", "QCQA060")]
    public async Task ABadOrUnavailableDeviceIsTheRuntimesError(string device, string code)
    {
        var run = await CliRun.InvokeAsync("eval", _model, "--text", _text, "--device", device);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"qcqa: error {code}: ", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task AModelWithoutTokenizerFilesOrAByteVocabularyIsRejectedNamingTheMissingFile()
    {
        var model = _temp.Combine("wide-vocab");
        SyntheticLlamaCheckpoint.Write(model, new SyntheticCheckpointOptions { Vocab = 300 });
        File.Delete(Path.Combine(model, "tokenizer.json"));

        var run = await CliRun.InvokeAsync("eval", model, "--text", _text);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{Path.Combine(model, "tokenizer.json")}: error QCQA051: ", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task ATokenizerWithMoreIdsThanTheEmbeddingHasRowsIsRejectedBeforeItsWeightsAreRead()
    {
        var wide = _temp.Combine("wide-vocab");
        SyntheticLlamaCheckpoint.Write(wide, new SyntheticCheckpointOptions { Vocab = 300 });
        File.Copy(Path.Combine(wide, "tokenizer.json"), Path.Combine(_model, "tokenizer.json"), overwrite: true);

        var run = await CliRun.InvokeAsync("eval", _model, "--text", _text);

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"{Path.Combine(_model, "tokenizer.json")}: error QCQA051: ", line);
        Assert.Contains("up to 299", line);
        Assert.Contains("256 rows", line);
    }

    [Fact]
    public async Task AWindowLongerThanTheContextIsAnArgumentError()
    {
        var run = await CliRun.InvokeAsync("eval", _model, "--text", _text, "--window", "4096");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QCQA003: ", Assert.Single(run.ErrorLines));
    }
}
