using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Spec;
using Xunit;

namespace Qcqa.Core.Tests.Spec;

public class SpecReaderTests : IDisposable
{
    private readonly SpecFixture _fixture = new("models/tiny-llama", "models/other");

    public void Dispose() => _fixture.Dispose();

    private const string Minimal = """
        models:
          - path: models/tiny-llama
            variants:
              - name: half
                mode: equal
                budget: 0.5
        """;

    [Fact]
    public void GivenAMinimalSpecItResolvesTheModelAndItsDefaults()
    {
        var spec = _fixture.Load(Minimal);

        var model = Assert.Single(spec.Models);
        Assert.Equal("tiny-llama", model.Name);
        Assert.Equal(Path.Combine(_fixture.Root, "models", "tiny-llama"), model.Path);
        var variant = Assert.Single(model.Variants);
        Assert.Equal("half", variant.Name);
        Assert.Equal("half", variant.OutputName);
        Assert.Equal(GroupingMode.Equal, variant.Mode);
        Assert.Equal(0.5, variant.Budget!.GlobalFraction);
        Assert.Equal(SearchSettingsSpec.Default.Population, variant.Search.Population);
        Assert.Equal(DeviceKind.Cpu, variant.Device);
        Assert.Null(spec.Evaluation);
        Assert.Equal(new SourceLocation(_fixture.SpecPath, 4, 9), variant.Location);
        Assert.Equal(new SourceLocation(_fixture.SpecPath, 6, 17), variant.Budget.Location);
    }

    [Fact]
    public void GivenASpecWithATypoItReportsLineAndColumn()
    {
        var result = _fixture.Read(Minimal.Replace("budget:", "bugdet:"));

        Assert.Null(result.Spec);
        var typo = Assert.Single(result.Diagnostics, d => d.Code == ErrorCodes.SpecUnknownKey);
        Assert.Equal($"{_fixture.SpecPath}(6,9): error QCQA041: Unknown key 'bugdet' in a variant of model 'tiny-llama'; did you mean 'budget'?", typo.ToCanonicalString());
    }

    [Fact]
    public void GivenAnUnknownKeyFarFromAnyKnownOneItListsTheKnownKeys()
    {
        var result = _fixture.Read(Minimal.Replace("models:", "colour: red\nmodels:"));
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal(ErrorCodes.SpecUnknownKey, problem.Code);
        Assert.Contains("expected one of: version, memory_limit, defaults, calibration, evaluation, models", problem.Message);
        Assert.Equal((1, 1), (problem.Location.Line, problem.Location.Column));
    }

    [Fact]
    public void GivenSeveralProblemsEveryOneIsReportedInFileOrder()
    {
        var result = _fixture.Read("""
            defaults:
              device: gpu
            models:
              - path: models/missing
                variants:
                  - name: a
                    mode: equal
                    budget: 1.5
                  - name: b
                    mode: arbitrary
                    budget: -0.1
                    serch: { seed: 1 }
            """);

        Assert.Equal(
            [
                (ErrorCodes.SpecBadValue, 2, 11),
                (ErrorCodes.SpecMissingModel, 4, 11),
                (ErrorCodes.SpecBadValue, 8, 17),
                (ErrorCodes.SpecBadValue, 11, 17),
                (ErrorCodes.SpecUnknownKey, 12, 9),
            ],
            result.Diagnostics.Select(d => (d.Code, d.Location.Line, d.Location.Column)));
        Assert.Contains("must be one of cpu, cuda, auto", result.Diagnostics[0].Message);
    }

    [Fact]
    public void LoadThrowsOneExceptionCarryingEveryProblem()
    {
        File.WriteAllText(_fixture.SpecPath, Minimal.Replace("0.5", "2").Replace("equal", "equals"));
        var e = Assert.Throws<QcqaSpecException>(() => SpecReader.Load(_fixture.SpecPath));
        Assert.Equal(2, e.Diagnostics.Count);
        Assert.Equal(ErrorCodes.SpecBadValue, e.Code);
        Assert.Equal(5, e.Line);
        Assert.Equal(2, e.Message.Split(Environment.NewLine).Length);
    }

    [Fact]
    public void GivenAModelWithoutPathItsVariantsAreStillChecked()
    {
        var result = _fixture.Read("""
            models:
              - variants:
                  - { name: a, mode: equall, budget: 0.5 }
            """);
        Assert.Equal([ErrorCodes.SpecMissingKey, ErrorCodes.SpecBadValue], result.Diagnostics.Select(d => d.Code));
    }

    [Fact]
    public void GivenAMissingModelFolderItReportsQcqa043AtThePathValue()
    {
        var result = _fixture.Read(Minimal.Replace("models/tiny-llama", "models/gone"));
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal(ErrorCodes.SpecMissingModel, problem.Code);
        Assert.Equal((2, 11), (problem.Location.Line, problem.Location.Column));
        Assert.Contains(Path.Combine(_fixture.Root, "models", "gone"), problem.Message);
    }

    [Fact]
    public void GivenAModelPathThatIsAFileItSaysSo()
    {
        File.WriteAllText(Path.Combine(_fixture.Root, "model.safetensors"), "");
        var result = _fixture.Read(Minimal.Replace("models/tiny-llama", "model.safetensors"));
        Assert.Contains("is a file", Assert.Single(result.Diagnostics).Message);
    }

    [Fact]
    public void RelativePathsResolveAgainstTheSpecFolderNotTheWorkingDirectory()
    {
        var nested = Path.Combine(_fixture.Root, "specs", "qcqa.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(nested)!);
        File.WriteAllText(nested, Minimal.Replace("models/tiny-llama", "../models/tiny-llama"));
        var spec = SpecReader.Load(nested);
        Assert.Equal(Path.Combine(_fixture.Root, "models", "tiny-llama"), spec.Models[0].Path);
        Assert.Equal("../models/tiny-llama", spec.Models[0].Variants[0].ModelPathFromSpec);
    }

    [Fact]
    public void PathChecksCanBeTurnedOffForSpecsWrittenForAnotherMachine()
    {
        var result = _fixture.Read(Minimal.Replace("models/tiny-llama", "models/elsewhere"), new SpecReaderOptions { CheckPathsExist = false });
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void VariantSettingsOverrideDefaultsKeyByKey()
    {
        var spec = _fixture.Load("""
            defaults:
              device: auto
              search: { population: 32, generations: 10, seed: 5 }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
                  - name: b
                    mode: arbitrary
                    budget: 0.5
                    device: cpu
                    search: { generations: 80 }
            """);
        var (a, b) = (spec.Models[0].Variants[0], spec.Models[0].Variants[1]);
        Assert.Equal((DeviceKind.Auto, 32, 10, 5), (a.Device, a.Search.Population, a.Search.Generations, a.Search.Seed));
        Assert.Equal((DeviceKind.Cpu, 32, 80, 5), (b.Device, b.Search.Population, b.Search.Generations, b.Search.Seed));
        Assert.Equal(12, b.Search.Location.Line);
    }

    [Fact]
    public void ModelNamesDefaultToTheFolderNameAndMustBeUnique()
    {
        var result = _fixture.Read("""
            models:
              - path: models/tiny-llama/
                variants: [{ name: a, mode: mqa }]
              - name: TINY-LLAMA
                path: models/other
                variants: [{ name: a, mode: mqa }]
            """);
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal((ErrorCodes.SpecBadValue, 4, 11), (problem.Code, problem.Location.Line, problem.Location.Column));
        Assert.Contains("first at line 2", problem.Message);
    }

    [Fact]
    public void GivenDuplicateVariantNamesTheSecondIsReported()
    {
        var result = _fixture.Read("""
            models:
              - path: models/tiny-llama
                variants:
                  - { name: half, mode: equal, budget: 0.5 }
                  - { name: half, mode: arbitrary, budget: 0.5 }
            """);
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal((5, 17), (problem.Location.Line, problem.Location.Column));
        Assert.Contains("two variants named 'half'", problem.Message);
    }

    [Fact]
    public void GivenTwoVariantsWritingTheSameOutputFolderTheSecondIsReported()
    {
        var result = _fixture.Read("""
            models:
              - path: models/tiny-llama
                variants:
                  - { name: half, mode: equal, budget: 0.5 }
                  - { name: other, mode: arbitrary, budget: 0.5, output: half }
            """);
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal((5, 62), (problem.Location.Line, problem.Location.Column));
        Assert.Contains("output folder 'half'", problem.Message);
    }

    [Fact]
    public void GivenAnEvaluationTextThatDoesNotExistItReportsQcqa050()
    {
        var result = _fixture.Read("evaluation:\n  text: heldout.txt\n" + Minimal);
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal((ErrorCodes.BadEvaluationInput, 2, 9), (problem.Code, problem.Location.Line, problem.Location.Column));
    }

    [Fact]
    public void GivenAnEvaluationTextItIsResolvedWithDefaultMaxTokens()
    {
        File.WriteAllText(Path.Combine(_fixture.Root, "heldout.txt"), "text");
        var spec = _fixture.Load("evaluation:\n  text: heldout.txt\n" + Minimal);
        Assert.Equal(Path.Combine(_fixture.Root, "heldout.txt"), spec.Evaluation!.TextPath);
        Assert.Equal(EvaluationSpec.DefaultMaxTokens, spec.Evaluation.MaxTokens);
        Assert.Equal(Core.Evaluation.ComputePrecision.Float32, spec.Evaluation.Precision);
    }

    [Fact]
    public void GivenAnEvaluationPrecisionItIsReadAndAnUnknownOneIsReportedWithTheChoices()
    {
        File.WriteAllText(Path.Combine(_fixture.Root, "heldout.txt"), "text");

        var spec = _fixture.Load("evaluation:\n  text: heldout.txt\n  precision: bfloat16\n" + Minimal);
        var problem = Assert.Single(_fixture.Read("evaluation:\n  text: heldout.txt\n  precision: fp16\n" + Minimal).Diagnostics);

        Assert.Equal(Core.Evaluation.ComputePrecision.BFloat16, spec.Evaluation!.Precision);
        Assert.Equal((ErrorCodes.SpecBadValue, 3, 14), (problem.Code, problem.Location.Line, problem.Location.Column));
        Assert.Contains("float32", problem.Message);
        Assert.Contains("bfloat16", problem.Message);
    }

    [Fact]
    public void GivenMalformedYamlItReportsQcqa040WithYamlDotNetsPosition()
    {
        var problem = Assert.Single(_fixture.Read("models:\n  - path: [a\n").Diagnostics);
        Assert.Equal(ErrorCodes.SpecSyntax, problem.Code);
        Assert.True(problem.Location.Line >= 2, problem.ToCanonicalString());
        Assert.DoesNotContain("(Line:", problem.Message);
    }

    [Fact]
    public void GivenADuplicateKeyItReportsQcqa040()
    {
        var problem = Assert.Single(_fixture.Read(Minimal + "\n        budget: 0.25\n").Diagnostics);
        Assert.Equal(ErrorCodes.SpecSyntax, problem.Code);
        Assert.Contains("Duplicate key", problem.Message);
    }

    [Fact]
    public void GivenAnEmptySpecItAsksForModels()
    {
        var problem = Assert.Single(_fixture.Read("# nothing yet\n").Diagnostics);
        Assert.Equal((ErrorCodes.SpecMissingKey, 1, 1), (problem.Code, problem.Location.Line, problem.Location.Column));
    }

    [Fact]
    public void GivenTwoDocumentsItReportsQcqa040AtTheSecond()
    {
        var problem = Assert.Single(_fixture.Read(Minimal + "\n---\nmodels: []\n").Diagnostics);
        Assert.Equal((ErrorCodes.SpecSyntax, 8), (problem.Code, problem.Location.Line));
    }

    [Fact]
    public void GivenAMissingSpecFileItReportsQcqa001()
    {
        var problem = Assert.Single(SpecReader.Read(Path.Combine(_fixture.Root, "absent.yaml")).Diagnostics);
        Assert.Equal(ErrorCodes.FileNotFound, problem.Code);
    }

    [Fact]
    public void AnchorsAndAliasesAreFollowed()
    {
        var spec = _fixture.Load("""
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: &half 0.5 }
                  - { name: b, mode: equal, budget: *half }
            """);
        Assert.Equal(0.5, spec.Models[0].Variants[1].Budget!.GlobalFraction);
    }

    [Fact]
    public void GivenANumberWhereANameBelongsItSuggestsQuoting()
    {
        var problem = Assert.Single(_fixture.Read(Minimal.Replace("name: half", "name: 50")).Diagnostics);
        Assert.Contains("quote it", problem.Message);
    }

    [Fact]
    public void GivenAFolderNameThatCannotNameOutputsItAsksForAName()
    {
        Directory.CreateDirectory(Path.Combine(_fixture.Root, "models", "tiny llama"));
        var problem = Assert.Single(_fixture.Read(Minimal.Replace("models/tiny-llama", "models/tiny llama")).Diagnostics);
        Assert.Contains("add a 'name'", problem.Message);
    }

    [Fact]
    public void AWrongVersionIsRejected()
    {
        var problem = Assert.Single(_fixture.Read("version: 2\n" + Minimal).Diagnostics);
        Assert.Equal((ErrorCodes.SpecBadValue, 1, 10), (problem.Code, problem.Location.Line, problem.Location.Column));
    }
}
