using Qcqa.Cli.Commands.Synth;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Synth;

/// <summary><c>dotnet qcqa synth</c>: parsing, the checkpoint it writes, determinism by seed, and a bad dtype.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SynthCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void GivenEveryOptionTheParseResultCarriesTheirValues()
    {
        var parse = QcqaApp.CreateRootCommand().Parse(["synth", "out", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--head-dim", "8", "--dtype", "bf16", "--clusters", "2", "--seed", "9"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(("out", 2, 4, 2, 8, "bf16", 2, 9UL), (
            parse.GetValue(SynthCommandDefinition.FolderArgument), parse.GetValue(SynthCommandDefinition.LayersOption),
            parse.GetValue(SynthCommandDefinition.HeadsOption), parse.GetValue(SynthCommandDefinition.KvHeadsOption),
            parse.GetValue(SynthCommandDefinition.HeadDimOption), parse.GetValue(SynthCommandDefinition.DtypeOption),
            parse.GetValue(SynthCommandDefinition.ClustersOption), parse.GetValue(SynthCommandDefinition.SeedOption)));
    }

    [Fact]
    public void GivenAnUnknownPresetParsingFailsNamingTheKnownOne()
    {
        var error = Assert.Single(QcqaApp.CreateRootCommand().Parse(["synth", "out", "--preset", "llama3-70b"]).Errors);
        Assert.Contains("llama2-7b-attention", error.Message);
    }

    [Fact]
    public async Task GivenAShapeItWritesACheckpointOfThatShapeAndDtype()
    {
        var folder = _temp.Combine("model");

        var run = await CliRun.InvokeAsync("synth", folder, "--layers", "2", "--heads", "4", "--kv-heads", "2", "--head-dim", "8", "--dtype", "bf16");

        Assert.True(run.ExitCode == 0, run.Error);
        using var checkpoint = Checkpoint.Open(folder);
        Assert.Equal(2, checkpoint.LayerCount);
        Assert.Equal([2, 2], checkpoint.KvHeadsPerLayer);
        Assert.Equal((4, 32), (checkpoint.Config.NumAttentionHeads, checkpoint.Config.HiddenSize));
        var key = checkpoint.Attention(1).Key;
        Assert.Equal(SafetensorsDtype.BF16, key.Dtype);
        Assert.Equal([2 * 8, 32], key.Shape);
        Assert.Contains($"Wrote {Path.GetFullPath(folder)}: 2 layers, 4 heads of 8", run.Error);
    }

    [Fact]
    public async Task TheSameSeedWritesTheSameBytesAndAnotherSeedOtherWeights()
    {
        string[] Args(string name, string seed) => ["synth", _temp.Combine(name), "--layers", "2", "--heads", "4", "--clusters", "2", "--seed", seed];

        Assert.Equal(0, (await CliRun.InvokeAsync(Args("a", "3"))).ExitCode);
        Assert.Equal(0, (await CliRun.InvokeAsync(Args("b", "3"))).ExitCode);
        Assert.Equal(0, (await CliRun.InvokeAsync(Args("c", "4"))).ExitCode);

        Assert.Equal(FolderSnapshot.Of(_temp.Combine("a")), FolderSnapshot.Of(_temp.Combine("b")));
        Assert.NotEqual(
            FolderSnapshot.HashFile(_temp.Combine("a", Checkpoint.SingleFileName)),
            FolderSnapshot.HashFile(_temp.Combine("c", Checkpoint.SingleFileName)));
    }

    [Fact]
    public async Task GivenADtypeItCannotWriteItFailsWithQcqa003AndWritesNothing()
    {
        var folder = _temp.Combine("model");

        var run = await CliRun.InvokeAsync("synth", folder, "--dtype", "I8");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("qcqa: error QCQA003: --dtype must be F32, F16 or BF16; got 'I8'.", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(folder));
    }
}
