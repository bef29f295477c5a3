using Qcqa.Core.Spec;
using Qcqa.Integration.Tests.TestSupport;

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
        var expected = new (VariantMode Mode, double[] Budgets)[]
        {
            (VariantMode.Gqa, [0.75, 0.5, 0.25]),
            (VariantMode.Equal, [0.75, 0.5, 0.375, 0.25]),
            (VariantMode.Arbitrary, [0.75, 0.5, 0.375, 0.25]),
        };
        Assert.Equal(
            expected.SelectMany(e => e.Budgets.Select(b => (e.Mode, b))),
            model.Variants.Select(v => (v.Mode, v.Budget!.GlobalFraction!.Value)));
    }

    [Fact]
    public void TheSampleIsNotInTheSolutionSoThatTheTestsDoNotRunItsPipeline()
    {
        var solution = File.ReadAllText(RepositoryLayout.Combine("QcqaBuild.sln"));

        Assert.True(File.Exists(Path.Combine(SampleFolder, "QcqaSample.csproj")));
        Assert.DoesNotContain("QcqaSample", solution);
    }
}
