using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Qcqa.Core.Build;
using Qcqa.Tests.Shared;
using Xunit;
using static Qcqa.Build.EngineContract;

namespace Qcqa.Build.Tasks.Tests;

public class QcqaReadDependenciesTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeBuildEngine _engine = new();

    public void Dispose() => _folder.Dispose();

    private string Intermediate => _folder.Combine("obj", "qcqa");

    private QcqaReadDependencies Task(params string[] specs) => new()
    {
        BuildEngine = _engine,
        Specs = specs.Select(s => (ITaskItem)new TaskItem(s)).ToArray(),
        IntermediateDirectory = Intermediate,
    };

    private string DependencyFileOf(string spec) => DependencyFileNames.For(Path.GetFullPath(spec), Path.GetFullPath(Intermediate));

    private string StampOf(string spec) => DependencyFileNames.StampFor([Path.GetFullPath(spec)], Path.GetFullPath(Intermediate), "", "");

    [Fact]
    public void GivenNoDependencyFileYetItGivesNoItemsAndNoErrors()
    {
        var spec = _folder.Write("qcqa.yaml", "");
        var task = Task(spec);

        Assert.True(task.Execute(), _engine.Dump());

        Assert.Empty(task.Inputs);
        Assert.Empty(task.Outputs);
        Assert.Empty(task.DependencyFiles);
        var resolved = Assert.Single(task.ResolvedSpecs);
        Assert.Equal(Path.GetFullPath(spec), resolved.ItemSpec);
        Assert.Equal(DependencyFileOf(spec), resolved.GetMetadata("DependencyFile"));
        Assert.Empty(_engine.Warnings);
    }

    [Fact]
    public void WhatTheEngineSideWriterWritesTheTaskReadsBack()
    {
        var spec = _folder.Write("qcqa.yaml", "");
        var writer = new DependencyFileWriter();
        writer.AddInput(spec);
        writer.AddInput(_folder.Write("models/tiny/config.json", "{}"));
        writer.AddInput(spec);
        writer.AddOutput(_folder.Write("bin/qcqa/tiny/half/config.json", "{}"));
        writer.Write(DependencyFileOf(spec));

        var task = Task(spec);
        Assert.True(task.Execute(), _engine.Dump());

        Assert.Equal(writer.Inputs, task.Inputs.Select(i => i.ItemSpec));
        Assert.Equal(writer.Outputs, task.Outputs.Select(i => i.ItemSpec));
        Assert.Equal([DependencyFileOf(spec)], task.DependencyFiles.Select(i => i.ItemSpec));
        Assert.Equal(writer.Inputs, Qcqa.Build.EngineContract.DependencyFile.Read(DependencyFileOf(spec))!.Value.Inputs);
    }

    [Fact]
    public void CommentsBlankLinesCrlfAndUnknownKindsAreAcceptedAndMalformedLinesWarn()
    {
        var spec = _folder.Write("qcqa.yaml", "");
        _folder.Write(Path.GetRelativePath(_folder.Path, DependencyFileOf(spec)),
            "# qcqa dependency file, format 1\r\n\r\ninput\t/m/config.json\r\nchecksum\tabc\r\nno tab here\r\noutput\trelative/out.bin\r\n");

        var task = Task(spec);
        Assert.True(task.Execute());

        Assert.Equal(["/m/config.json"], task.Inputs.Select(i => i.ItemSpec));
        Assert.Equal([Path.Combine(Path.GetFullPath(Intermediate), "relative", "out.bin")], task.Outputs.Select(i => i.ItemSpec));
        var warning = Assert.Single(_engine.Warnings);
        Assert.Equal((TaskError.BadDependencyFile.Code(), 5), (warning.Code, warning.LineNumber));
    }

    [Fact]
    public void TwoSpecsWithTheSameFileNameGetDifferentDependencyFiles()
    {
        var a = _folder.Write("a/qcqa.yaml", "");
        var b = _folder.Write("b/qcqa.yaml", "");
        var task = Task(a, b);
        Assert.True(task.Execute());
        var files = task.ResolvedSpecs.Select(s => s.GetMetadata("DependencyFile")).ToArray();
        Assert.Equal(2, files.Distinct().Count());
        Assert.All(files, f => Assert.Matches(@"qcqa\.[0-9a-f]{8}\.deps$", f));
    }

    [Fact]
    public void TheDependencyFileNameIsStableAcrossRuns()
    {
        Assert.Equal(DependencyFileNames.For("/p/qcqa.yaml", "/p/obj"), DependencyFileNames.For("/p/qcqa.yaml", "/p/obj"));
        Assert.Equal(Path.Combine("/p/obj", "qcqa.0d4c2b1e.deps").Length, DependencyFileNames.For("/p/qcqa.yaml", "/p/obj").Length);
    }

    [Fact]
    public void GivenARecordedOutputThatWasDeletedTheStampIsDeletedSoTheEngineRunsAgain()
    {
        var spec = _folder.Write("qcqa.yaml", "");
        var writer = new DependencyFileWriter();
        writer.AddInput(spec);
        writer.AddOutput(_folder.Combine("bin", "gone.safetensors"));
        writer.Write(DependencyFileOf(spec));
        var stamp = _folder.Write(StampOf(spec), "");

        var task = Task(spec);
        task.DeleteStaleStamp = true;
        Assert.True(task.Execute());

        Assert.False(File.Exists(stamp));
        Assert.Contains(_engine.MessagesAt(MessageImportance.Normal), m => m.Contains("gone.safetensors was deleted"));
    }

    [Fact]
    public void GivenASpecWithoutDependencyFileTheStampIsDeleted()
    {
        var spec = _folder.Write("qcqa.yaml", "");
        var stamp = _folder.Write(StampOf(spec), "");
        var task = Task(spec);
        task.DeleteStaleStamp = true;
        Assert.True(task.Execute());
        Assert.Equal(stamp, task.StampFile);
        Assert.False(File.Exists(stamp));
    }

    [Fact]
    public void GivenCompleteResultsTheStampIsKept()
    {
        var spec = _folder.Write("qcqa.yaml", "");
        var writer = new DependencyFileWriter();
        writer.AddInput(spec);
        writer.AddOutput(_folder.Write("bin/out.bin", ""));
        writer.Write(DependencyFileOf(spec));
        var stamp = _folder.Write(StampOf(spec), "");
        var task = Task(spec);
        task.DeleteStaleStamp = true;
        Assert.True(task.Execute());
        Assert.Equal(stamp, task.StampFile);
        Assert.True(File.Exists(stamp));
    }

    [Fact]
    public void DependencyFilePathsWithTabsAreRejectedByTheWriter()
    {
        Assert.Throws<ArgumentException>(() => new DependencyFileWriter().AddOutput("/a\tb"));
    }

    [Fact]
    public void TheStateIsKeyedByTheSpecsTheOutputFolderAndTheCacheFolder()
    {
        var spec = _folder.Write("qcqa.yaml", "");
        var names = new[] { ("out-a", "cache"), ("out-b", "cache"), ("out-a", "cache-b") }.Select(folders =>
        {
            var task = Task(spec);
            task.OutputPath = _folder.Combine(folders.Item1);
            task.CachePath = _folder.Combine(folders.Item2);
            Assert.True(task.Execute(), _engine.Dump());
            return (task.StampFile, task.SettingsFile, Deps: task.ResolvedSpecs.Single().GetMetadata("DependencyFile"));
        }).ToArray();

        Assert.Equal(3, names.Select(n => n.StampFile).Distinct().Count());
        Assert.Equal(3, names.Select(n => n.SettingsFile).Distinct().Count());
        Assert.Equal(3, names.Select(n => n.Deps).Distinct().Count());
        var other = _folder.Write("other/qcqa.yaml", "");
        Assert.NotEqual(DependencyFileNames.StampFor([Path.GetFullPath(spec)], Intermediate, "/o", "/c"),
            DependencyFileNames.StampFor([Path.GetFullPath(spec), other], Intermediate, "/o", "/c"));
        Assert.Equal(DependencyFileNames.StampFor([Path.GetFullPath(spec), other], Intermediate, "/o", "/c"),
            DependencyFileNames.StampFor([other, Path.GetFullPath(spec)], Intermediate, "/o", "/c"));
    }

    [Fact]
    public void KeptFilesListEveryStateFileAndTheOutputsOfOtherBuildsButNotOtherFiles()
    {
        var spec = _folder.Write("qcqa.yaml", "");
        var otherDeps = DependencyFileNames.For(Path.GetFullPath(spec), Path.GetFullPath(Intermediate), _folder.Combine("elsewhere"), _folder.Combine("cache"));
        var writer = new DependencyFileWriter();
        writer.AddInput(spec);
        writer.AddOutput(_folder.Combine("elsewhere", "tiny", "half", "model.safetensors"));
        writer.Write(otherDeps);
        var otherStamp = _folder.Write("obj/qcqa/qcqa.0badf00d.stamp", "");
        var otherSettings = _folder.Write("obj/qcqa/qcqa.0badf00d.settings", "");
        var unrelated = _folder.Write("obj/qcqa/notes.txt", "");

        // As in a build with QCQA switched off: no specs at all.
        var task = new QcqaReadDependencies { BuildEngine = _engine, IntermediateDirectory = Intermediate };
        Assert.True(task.Execute(), _engine.Dump());

        var kept = task.KeptFiles.Select(k => k.ItemSpec).ToArray();
        Assert.Contains(otherDeps, kept);
        Assert.Contains(otherStamp, kept);
        Assert.Contains(otherSettings, kept);
        Assert.Contains(_folder.Combine("elsewhere", "tiny", "half", "model.safetensors"), kept);
        Assert.DoesNotContain(unrelated, kept);
        Assert.Empty(task.Outputs);
    }
}
