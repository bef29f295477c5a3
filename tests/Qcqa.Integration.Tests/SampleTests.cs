using Qcqa.Core.Allocation;
using System.Text.Json;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Merge;
using Qcqa.Core.Spec;
using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests;

/// <summary>samples/QcqaSample: its spec, and that it stays out of the solution (its build is the whole pipeline).</summary>
public sealed class SampleTests
{
    private static string SampleFolder => RepositoryLayout.Combine("samples", "QcqaSample");

    [Fact]
    public void TheSampleSpecComparesThePapersRecipeTheAlignedMergeAndFineTuningAcrossModesAndBudgets()
    {
        // The reference model may not be there yet: check the spec itself, not the files it names.
        var read = SpecReader.Read(Path.Combine(SampleFolder, "qcqa.yaml"), new SpecReaderOptions { CheckPathsExist = false });

        Assert.True(read.Succeeded, string.Join("\n", read.Diagnostics));
        var spec = read.Spec!;
        var model = Assert.Single(spec.Models);
        Assert.Equal("tiny-llama-kjv", model.Name);
        Assert.Equal(RepositoryLayout.Combine("samples", "ReferenceModel", "tiny-llama-kjv"), Path.GetFullPath(model.Path));
        Assert.Equal(RepositoryLayout.Combine("samples", "ReferenceModel", "tiny-llama-kjv", "heldout.txt"), Path.GetFullPath(spec.Evaluation!.TextPath));
        // Calibration and fine-tuning read the training slice, never the held-out text.
        Assert.Equal(RepositoryLayout.Combine("samples", "ReferenceModel", "tiny-llama-kjv", "calibration.txt"), Path.GetFullPath(model.Calibration!.TextPath));
        Assert.All(model.Variants.Where(v => v.FineTune is not null), v => Assert.Equal(model.Calibration.TextPath, v.FineTune!.TextPath));

        GroupingMode[] modes = [GroupingMode.Gqa, GroupingMode.Equal, GroupingMode.Arbitrary];
        double[] budgets = [0.75, 0.5, 0.375, 0.25];
        var plain = model.Variants.Where(v => v.FineTune is null && v.Budget!.GlobalFraction is not null).ToList();
        foreach (var mode in modes)
        {
            foreach (var budget in budgets)
            {
                // The paper's recipe and QcqaBuild's default at every mode and size, side by side.
                Assert.Single(plain, v => v.Mode == mode && v.Budget!.GlobalFraction == budget && v.Merge == MergeMethod.Mean
                    && v.Fitness == FitnessKind.Wse && v.Allocation == AllocationMethod.Wse);
                Assert.Single(plain, v => v.Mode == mode && v.Budget!.GlobalFraction == budget && v.Merge == MergeMethod.Aligned
                    && v.Fitness == FitnessKind.Aligned && v.Allocation == AllocationMethod.Auto);
            }
            // Fine-tuned at 50 %: the same recipe for every mode, at most 5 % of the pretraining tokens.
            var tuned = Assert.Single(model.Variants, v => v.Mode == mode && v.FineTune is not null);
            Assert.Equal(0.5, tuned.Budget!.GlobalFraction);
            Assert.Equal(MergeMethod.Aligned, tuned.Merge);
            Assert.True(tuned.FineTune!.Tokens <= 122_470, $"{tuned.Name} trains on {tuned.FineTune.Tokens} tokens");
        }
        Assert.Single(model.Variants.Select(v => v.FineTune?.Identity).OfType<string>().Distinct());
        // Stage 2 compared at 50 %: measured cost against the paper's WSE DP and a uniform budget; and AC at 30 %.
        Assert.Single(plain, v => v.Mode == GroupingMode.Arbitrary && v.Budget!.GlobalFraction == 0.5 && v.Merge == MergeMethod.Aligned && v.Allocation == AllocationMethod.Wse);
        Assert.Single(plain, v => v.Mode == GroupingMode.Arbitrary && v.Budget!.GlobalFraction == 0.5 && v.Merge == MergeMethod.Aligned && v.Allocation == AllocationMethod.Uniform);
        Assert.Single(plain, v => v.Mode == GroupingMode.Arbitrary && v.Budget!.GlobalFraction == 0.3);
        // The large-model default (one gradient pass) beside measured, at 50 % and 25 %.
        Assert.Single(plain, v => v.Mode == GroupingMode.Arbitrary && v.Budget!.GlobalFraction == 0.5 && v.Allocation == AllocationMethod.Gradient);
        Assert.Single(plain, v => v.Mode == GroupingMode.Arbitrary && v.Budget!.GlobalFraction == 0.25 && v.Allocation == AllocationMethod.Gradient);
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
