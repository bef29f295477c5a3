using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Synthetic;
using Qcqa.Core.Tests.TestSupport;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Merge;

public class MergeOutputFolderTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _input;

    public MergeOutputFolderTests() => _input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 4, Shards = 2 });

    public void Dispose() => _folder.Dispose();

    private static ModelGrouping Gqa => ModelGrouping.Uniform("gqa", 2, LayerGrouping.Gqa(4, 2));

    // Only the input and whatever the test expects: no temporary or half-renamed siblings.
    private void AssertOnlyFolders(params string[] names)
        => Assert.Equal(names.Order(), Directory.EnumerateFileSystemEntries(_folder.Path).Select(Path.GetFileName).Order()!);

    [Fact]
    public void GivenAGroupingWithTheWrongLayerCountItNamesTheGroupingFileAndWritesNothing()
    {
        using var checkpoint = Checkpoint.Open(_input);
        var groupingFile = _folder.Combine("grouping.json");
        QcqaAssert.Throws(ErrorCodes.BadGrouping, "3 layers but the model has 2", groupingFile,
            () => CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("custom", 3, LayerGrouping.Identity(4)), _folder.Combine("out"), new MergeOptions { GroupingPath = groupingFile }));
        AssertOnlyFolders("model");
    }

    [Fact]
    public void GivenAGroupingOfTheWrongHeadCountItSaysHowManyKvHeadsTheLayerHas()
    {
        using var checkpoint = Checkpoint.Open(_input);
        QcqaAssert.Throws(ErrorCodes.BadGrouping, "Layer 0: the grouping partitions 8 KV heads but the model's layer has 4", null,
            () => CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("custom", 2, LayerGrouping.Gqa(8, 2)), _folder.Combine("out")));
        AssertOnlyFolders("model");
    }

    [Fact]
    public void GivenAFailureMidWriteNoOutputFolderIsLeft()
    {
        using var checkpoint = Checkpoint.Open(_input);
        var options = new MergeOptions
        {
            BeforeTensor = name =>
            {
                if (name == LlamaTensorNames.KeyWeight(1)) throw new IOException("No space left on device (simulated)", 28); // ENOSPC
            },
        };
        var error = Assert.Throws<QcqaException>(() => CheckpointMerger.Merge(checkpoint, Gqa, _folder.Combine("out"), options));
        Assert.Equal(ErrorCodes.WriteFailed, error.Code);
        Assert.Contains("disk is full", error.Message);
        AssertOnlyFolders("model");
    }

    [Fact]
    public void GivenAFailureWhileReplacingAPreviousOutputThePreviousOutputIsKept()
    {
        using var checkpoint = Checkpoint.Open(_input);
        var output = _folder.Combine("out");
        CheckpointMerger.Merge(checkpoint, Gqa, output);
        var previous = FolderSnapshot.Of(output);
        var options = new MergeOptions { BeforeTensor = name => { if (name == LlamaTensorNames.LmHead) throw new InvalidOperationException("boom"); } };
        Assert.Throws<InvalidOperationException>(() => CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("mqa", 2, LayerGrouping.Mqa(4)), output, options));
        Assert.Equal(previous, FolderSnapshot.Of(output));
        AssertOnlyFolders("model", "out");
    }

    [Fact]
    public void APreviousQcqaOutputIsReplaced()
    {
        using var checkpoint = Checkpoint.Open(_input);
        var output = _folder.Combine("out");
        CheckpointMerger.Merge(checkpoint, Gqa, output);
        File.WriteAllText(Path.Combine(output, "stale.txt"), "from an earlier build");
        CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("mqa", 2, LayerGrouping.Mqa(4)), output);
        using var merged = Checkpoint.Open(output);
        Assert.Equal(1, merged.Config.NumKeyValueHeads);
        Assert.False(File.Exists(Path.Combine(output, "stale.txt")));
        AssertOnlyFolders("model", "out");
    }

    [Fact]
    public void GivenAnOutputFolderThatIsNotQcqaOutputItRefusesToReplaceIt()
    {
        var output = _folder.Combine("out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "thesis.tex"), "precious");
        using var checkpoint = Checkpoint.Open(_input);
        QcqaAssert.Throws(ErrorCodes.BadOutputPath, "not a QcqaBuild output", output, () => CheckpointMerger.Merge(checkpoint, Gqa, output));
        Assert.Equal("precious", File.ReadAllText(Path.Combine(output, "thesis.tex")));
        AssertOnlyFolders("model", "out");
    }

    [Fact]
    public void GivenAnOriginalModelAsOutputItRefusesToReplaceIt()
    {
        var other = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1 }, "other");
        using var checkpoint = Checkpoint.Open(_input);
        QcqaAssert.Throws(ErrorCodes.BadOutputPath, "no \"qcqa\" block", other, () => CheckpointMerger.Merge(checkpoint, Gqa, other));
    }

    [Fact]
    public void GivenAnEmptyOutputFolderItIsUsed()
    {
        var output = _folder.Combine("out");
        Directory.CreateDirectory(output);
        using var checkpoint = Checkpoint.Open(_input);
        CheckpointMerger.Merge(checkpoint, Gqa, output);
        Assert.True(File.Exists(Path.Combine(output, "config.json")));
    }

    [Fact]
    public void GivenAFileInTheWayItRefuses()
    {
        var output = _folder.Combine("out");
        File.WriteAllText(output, "x");
        using var checkpoint = Checkpoint.Open(_input);
        QcqaAssert.Throws(ErrorCodes.BadOutputPath, "A file is in the way", output, () => CheckpointMerger.Merge(checkpoint, Gqa, output));
    }

    [Theory]
    [InlineData("")]
    [InlineData("inside")]
    public void GivenTheInputFolderOrAFolderInsideItAsOutputItRefuses(string child)
    {
        var output = child.Length == 0 ? _input : Path.Combine(_input, child);
        using var checkpoint = Checkpoint.Open(_input);
        QcqaAssert.Throws(ErrorCodes.BadOutputPath, "input folder", output, () => CheckpointMerger.Merge(checkpoint, Gqa, output));
        Assert.False(Directory.Exists(Path.Combine(_input, "inside")));
    }

    [Fact]
    public void GivenAnOutputThatContainsTheInputItRefuses()
    {
        using var checkpoint = Checkpoint.Open(_input);
        QcqaAssert.Throws(ErrorCodes.BadOutputPath, "contains the input folder", _folder.Path, () => CheckpointMerger.Merge(checkpoint, Gqa, _folder.Path));
    }
}
