using System.Text.RegularExpressions;
using Qcqa.Core.Spec;
using Xunit;

namespace Qcqa.Core.Tests.Spec;

/// <summary>
/// The example specs under Examples/ are documentation: the valid ones must parse, and each invalid one states
/// (in a first-line comment "# expect: CODE (line,col) text") the diagnostic the parser must give.
/// </summary>
public partial class ExampleSpecTests
{
    private static readonly SpecReaderOptions NoPathChecks = new() { CheckPathsExist = false };

    public static TheoryData<string> ValidExamples => new(Directory.GetFiles(SpecFixture.ExamplesFolder, "*.yaml").Select(Path.GetFileName)!);

    public static TheoryData<string> InvalidExamples
        => new(Directory.GetFiles(Path.Combine(SpecFixture.ExamplesFolder, "invalid"), "*.yaml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(ValidExamples))]
    public void EveryValidExampleParses(string file)
    {
        var result = SpecReader.Read(Path.Combine(SpecFixture.ExamplesFolder, file), NoPathChecks);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public void EveryInvalidExampleGivesTheDiagnosticItPromises(string file)
    {
        var path = Path.Combine(SpecFixture.ExamplesFolder, "invalid", file);
        var expectation = ExpectationPattern().Match(File.ReadLines(path).First());
        Assert.True(expectation.Success, $"{file} lacks an '# expect: CODE (line,col) text' first line.");

        var result = SpecReader.Read(path, NoPathChecks);

        var first = Assert.Single(result.Diagnostics);
        Assert.Equal(expectation.Groups["code"].Value, first.Code);
        Assert.Equal((int.Parse(expectation.Groups["line"].Value), int.Parse(expectation.Groups["col"].Value)), (first.Location.Line, first.Location.Column));
        Assert.Contains(expectation.Groups["text"].Value, first.Message);
    }

    [Fact]
    public void TheFullExampleResolvesAsDocumented()
    {
        var spec = SpecReader.Read(Path.Combine(SpecFixture.ExamplesFolder, "full.yaml"), NoPathChecks).GetSpecOrThrow();
        var custom = spec.Models[0].Variants[2];
        Assert.Equal(("custom", "custom-out", DeviceKind.Auto), (custom.Name, custom.OutputName, custom.Device));
        Assert.Equal((64, 80, 1), (custom.Search.Population, custom.Search.Generations, custom.Search.Seed));
        Assert.Equal(0.5, spec.Models[0].Variants[1].Budget!.PerLayerFraction);
        Assert.Equal(20000, spec.Evaluation!.MaxTokens);
    }

    [GeneratedRegex(@"^# expect: (?<code>QCQA\d{3}) \((?<line>\d+),(?<col>\d+)\) (?<text>.+)$")]
    private static partial Regex ExpectationPattern();
}
