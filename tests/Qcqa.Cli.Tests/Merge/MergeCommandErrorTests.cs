using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;
using Xunit.Abstractions;

namespace Qcqa.Cli.Tests.Merge;

/// <summary>
/// <c>dotnet qcqa merge</c> on malformed inputs: one canonical error line naming the file at fault, exit code 1, no
/// output folder and no temporary folder beside it, and the input folder untouched.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class MergeCommandErrorTests : IDisposable
{
    private const int Heads = 6;
    private readonly TempFolder _temp = new();
    private readonly string _model;
    private readonly string _weights;
    private readonly string _config;
    private readonly string _grouping;
    private readonly string _output;
    private readonly ITestOutputHelper _log;

    public MergeCommandErrorTests(ITestOutputHelper log)
    {
        _log = log;
        _model = _temp.Combine("model");
        SyntheticLlamaCheckpoint.Write(_model, new SyntheticCheckpointOptions { Layers = 2, Heads = Heads, HeadDim = 6, Hidden = 24, Intermediate = 16, Vocab = 32 });
        _weights = Path.Combine(_model, Checkpoint.SingleFileName);
        _config = Path.Combine(_model, ModelConfig.FileName);
        _grouping = _temp.Combine("grouping.json");
        GroupingFile.Write(_grouping, ModelGrouping.Uniform(GroupingMode.Gqa, 2, LayerGrouping.Gqa(Heads, 3)));
        _output = _temp.Combine("out");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task GivenAValidModelTheMergeSucceeds()
    {
        // Guards the tests below: each fails because of its one defect, not because of the set-up.
        var run = await Merge();

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(File.Exists(Path.Combine(_output, Checkpoint.SingleFileName)));
    }

    [Fact]
    public async Task GivenTruncatedWeightsItReportsQcqa010()
    {
        var bytes = File.ReadAllBytes(_weights);
        File.WriteAllBytes(_weights, bytes[..^100]);

        await AssertFails(_weights, "QCQA010", "truncated");
    }

    [Fact]
    public async Task GivenAHeaderLengthPastTheEndItReportsQcqa010()
    {
        var bytes = File.ReadAllBytes(_weights);
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)bytes.Length * 2);
        File.WriteAllBytes(_weights, bytes);

        await AssertFails(_weights, "QCQA010", "header length");
    }

    [Fact]
    public async Task GivenAHeaderThatIsNotJsonItReportsQcqa010()
    {
        File.WriteAllBytes(_weights, RawSafetensors.Build("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], ", new byte[4]));

        await AssertFails(_weights, "QCQA010", "not valid JSON");
    }

    [Fact]
    public async Task GivenAnUnknownDtypeItReportsQcqa011()
    {
        var bytes = File.ReadAllBytes(_weights);
        var header = RawSafetensors.ReadHeader(bytes);
        // Same length, so every offset stays valid and only the dtype is wrong.
        var changed = Encoding.UTF8.GetBytes(new Regex("\"F32\"").Replace(header, "\"F31\"", 1));
        changed.CopyTo(bytes, 8);
        File.WriteAllBytes(_weights, bytes);

        await AssertFails(_weights, "QCQA011", "F31");
    }

    [Fact]
    public async Task GivenOverlappingOffsetsItReportsQcqa010()
    {
        const string header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}, \"b\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}";
        File.WriteAllBytes(_weights, RawSafetensors.Build(header, new byte[24]));

        await AssertFails(_weights, "QCQA010", "overlap");
    }

    [Fact]
    public async Task GivenOffsetsPastTheDataItReportsQcqa010()
    {
        const string header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [250], \"data_offsets\": [0, 1000]}}";
        File.WriteAllBytes(_weights, RawSafetensors.Build(header, new byte[16]));

        await AssertFails(_weights, "QCQA010", "past the end");
    }

    [Fact]
    public async Task GivenNoKeyProjectionItReportsQcqa012()
    {
        RewriteWithout(LlamaTensorNames.KeyWeight(1));

        await AssertFails(_weights, "QCQA012", "k_proj");
    }

    [Fact]
    public async Task GivenKvHeadsThatDoNotDivideTheHeadsItReportsQcqa013WithThePosition()
    {
        EditConfig(json => json["num_key_value_heads"] = 4);

        var line = await AssertFails(_config, "QCQA013", "not divisible");
        Assert.Matches(@"\(\d+,\d+\): error", line);
    }

    [Fact]
    public async Task GivenMoreHeadsThanTheProjectionsHoldItReportsQcqa014()
    {
        // 7 heads of 6 would need q_proj rows 42; the file holds 6 heads (36 rows).
        EditConfig(json =>
        {
            json["num_attention_heads"] = 7;
            json["num_key_value_heads"] = 7;
        });

        await AssertFails(_weights, "QCQA014", "q_proj");
    }

    private async Task<CliRun> Merge() => await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", _output);

    /// <summary>Runs the merge and checks everything a failed merge promises; returns the error line.</summary>
    private async Task<string> AssertFails(string file, string code, string keyword)
    {
        var before = FolderSnapshot.Of(_model);

        var run = await Merge();

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        _log.WriteLine(line);
        Assert.Matches("^" + Regex.Escape(file) + @"(\(\d+(,\d+)?\))?: error " + code + ": ", line);
        Assert.Contains(keyword, line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", run.Error); // no stack trace
        Assert.False(Directory.Exists(_output), "the output folder must not exist");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path, "out.tmp-*"));
        Assert.Equal(before, FolderSnapshot.Of(_model));
        return line;
    }

    private void EditConfig(Action<JsonObject> edit)
    {
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(_config))!;
        edit(json);
        File.WriteAllText(_config, ModelConfig.Serialize(json));
    }

    private void RewriteWithout(string name)
    {
        var temporary = _weights + ".new";
        using (var file = SafetensorsFile.Open(_weights))
        {
            var kept = file.Tensors.Where(t => t.Name != name).ToArray();
            using var writer = new SafetensorsWriter(temporary, kept.Select(TensorDeclaration.Of).ToArray(), file.Metadata);
            foreach (var tensor in kept) writer.CopyTensor(file, tensor);
            writer.Complete();
        }
        File.Move(temporary, _weights, overwrite: true);
    }
}
