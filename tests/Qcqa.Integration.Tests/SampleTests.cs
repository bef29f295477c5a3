using System.Text.Json;
using Qcqa.Core.Grouping;
using Qcqa.Core.Spec;
using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests;

/// <summary>samples/QcqaSample: its spec, and that it stays out of the solution (its build is the whole pipeline).</summary>
public sealed class SampleTests
{
    private static string SampleFolder => RepositoryLayout.Combine("samples", "QcqaSample");

    [Fact]
    public void TheSampleSpecDeclaresGqaEcAndAcVariantsAtTheirBudgetsOnTheReferenceModel()
    {
        // The reference model may not be there yet: check the spec itself, not the files it names.
        var read = SpecReader.Read(Path.Combine(SampleFolder, "qcqa.yaml"), new SpecReaderOptions { CheckPathsExist = false });

        Assert.True(read.Succeeded, string.Join("\n", read.Diagnostics));
        var spec = read.Spec!;
        var model = Assert.Single(spec.Models);
        Assert.Equal("tiny-llama-kjv", model.Name);
        Assert.Equal(RepositoryLayout.Combine("samples", "ReferenceModel", "tiny-llama-kjv"), Path.GetFullPath(model.Path));
        Assert.Equal(RepositoryLayout.Combine("samples", "ReferenceModel", "tiny-llama-kjv", "heldout.txt"), Path.GetFullPath(spec.Evaluation!.TextPath));
        var expected = new (GroupingMode Mode, double[] Budgets)[]
        {
            (GroupingMode.Gqa, [0.75, 0.5, 0.375, 0.25]),
            (GroupingMode.Equal, [0.75, 0.5, 0.375, 0.25]),
            (GroupingMode.Arbitrary, [0.75, 0.5, 0.375, 0.25]),
        };
        Assert.Equal(
            expected.SelectMany(e => e.Budgets.Select(b => (e.Mode, b))),
            model.Variants.Select(v => (v.Mode, v.Budget!.GlobalFraction!.Value)));
    }

    [Fact]
    public void TheSampleRunsTheTasksAndTheEngineBuiltFromSrcOnItsOwnSpec()
    {
        // Evaluation only: building the sample would run its whole pipeline inside the working tree.
        var evaluation = ProcessRunner.Run(Dotnet.Command(RepositoryLayout.Root,
            ["msbuild", Path.Combine(SampleFolder, "QcqaSample.csproj"), "-nodeReuse:false", $"-p:Configuration={RepositoryLayout.Configuration}",
             "-getProperty:QcqaTasksAssembly", "-getProperty:QcqaEnginePath", "-getProperty:QcqaSpec", "-getItem:ProjectReference"]), TimeSpan.FromMinutes(2));

        Assert.True(evaluation.Succeeded, evaluation.ToString());
        using var json = JsonDocument.Parse(evaluation.Output[evaluation.Output.IndexOf('{')..]);
        var properties = json.RootElement.GetProperty("Properties");
        Assert.Equal(RepositoryLayout.TasksAssembly, Path.GetFullPath(properties.GetProperty("QcqaTasksAssembly").GetString()!));
        Assert.Equal(RepositoryLayout.EnginePath, Path.GetFullPath(properties.GetProperty("QcqaEnginePath").GetString()!));
        Assert.Equal(Path.Combine(SampleFolder, "qcqa.yaml"), Path.GetFullPath(properties.GetProperty("QcqaSpec").GetString()!));
        var references = json.RootElement.GetProperty("Items").GetProperty("ProjectReference").EnumerateArray()
            .Select(r => (Path: Path.GetFileName(r.GetProperty("Identity").GetString()!), Referenced: r.GetProperty("ReferenceOutputAssembly").GetString()))
            .OrderBy(r => r.Path, StringComparer.Ordinal).ToList();
        Assert.Equal([("Qcqa.Build.Tasks.csproj", "false"), ("Qcqa.Cli.csproj", "false")], references);
    }

    [Fact]
    public void TheSampleIsNotInTheSolutionSoThatTheTestsDoNotRunItsPipeline()
    {
        var solution = File.ReadAllText(RepositoryLayout.Combine("QcqaBuild.sln"));

        Assert.True(File.Exists(Path.Combine(SampleFolder, "QcqaSample.csproj")));
        Assert.DoesNotContain("QcqaSample", solution);
    }
}
