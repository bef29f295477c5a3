using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Qcqa.Core.Grouping;
using Qcqa.Core.Spec;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Spec;

/// <summary>
/// Keeps qcqa.yaml.schema.json and the parser in step: both accept every valid example, both reject every
/// invalid one, and the schema knows exactly the keys and words the parser knows. The examples under
/// Examples/semantic/ mark the boundary: mistakes only the parser can see (duplicates, ranges, contradictions).
/// </summary>
public partial class SchemaTests
{
    private static readonly SpecReaderOptions NoPathChecks = new() { CheckPathsExist = false };
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromFile(RepositoryLayout.Combine("qcqa.yaml.schema.json")));
    private static readonly Lazy<JsonObject> SchemaJson = new(() =>
        JsonNode.Parse(File.ReadAllText(RepositoryLayout.Combine("qcqa.yaml.schema.json")))!.AsObject());

    public static TheoryData<string> ValidExamples => Examples("");
    public static TheoryData<string> InvalidExamples => Examples("invalid", except: "syntax-error.yaml");
    public static TheoryData<string> SemanticExamples => Examples("semantic");

    private static TheoryData<string> Examples(string folder, string? except = null) => new(
        Directory.GetFiles(Path.Combine(SpecFixture.ExamplesFolder, folder), "*.yaml")
            .Select(f => Path.Combine(folder, Path.GetFileName(f)))
            .Where(f => Path.GetFileName(f) != except));

    private static EvaluationResults Evaluate(string example)
    {
        var json = YamlToJson.Convert(File.ReadAllText(Path.Combine(SpecFixture.ExamplesFolder, example)));
        return Schema.Value.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Explain(EvaluationResults results)
        => string.Join("\n", (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")));

    [Theory]
    [MemberData(nameof(ValidExamples))]
    public void TheSchemaAcceptsEveryValidExample(string example)
    {
        var results = Evaluate(example);
        Assert.True(results.IsValid, Explain(results));
        Assert.True(SpecReader.Read(Path.Combine(SpecFixture.ExamplesFolder, example), NoPathChecks).Succeeded);
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public void TheSchemaRejectsEveryExampleTheParserRejectsForItsShape(string example)
    {
        Assert.False(SpecReader.Read(Path.Combine(SpecFixture.ExamplesFolder, example), NoPathChecks).Succeeded);
        Assert.False(Evaluate(example).IsValid, $"The schema accepts {example}, which the parser rejects.");
    }

    [Theory]
    [MemberData(nameof(SemanticExamples))]
    public void MistakesBeyondTheSchemasReachAreCaughtByTheParser(string example)
    {
        var path = Path.Combine(SpecFixture.ExamplesFolder, example);
        var expectation = ExpectationPattern().Match(File.ReadLines(path).First());
        Assert.True(expectation.Success, $"{example} lacks an '# expect: CODE (line,col) text' first line.");
        var results = Evaluate(example);
        Assert.True(results.IsValid, Explain(results));

        var problem = Assert.Single(SpecReader.Read(path, NoPathChecks).Diagnostics);
        Assert.Equal(expectation.Groups["code"].Value, problem.Code);
        Assert.Equal((int.Parse(expectation.Groups["line"].Value), int.Parse(expectation.Groups["col"].Value)), (problem.Location.Line, problem.Location.Column));
        Assert.Contains(expectation.Groups["text"].Value, problem.Message);
    }

    [Fact]
    public void TheSchemaKnowsExactlyTheParsersKeys()
    {
        var defs = SchemaJson.Value["$defs"]!.AsObject();
        string[] Keys(JsonNode node) => node["properties"]!.AsObject().Select(p => p.Key).ToArray();

        Assert.Equal(SpecKeys.TopLevel, Keys(SchemaJson.Value));
        Assert.Equal(SpecKeys.Defaults, Keys(defs["defaults"]!));
        Assert.Equal(SpecKeys.Search, Keys(defs["search"]!));
        Assert.Equal(SpecKeys.Evaluation, Keys(defs["evaluation"]!));
        Assert.Equal(SpecKeys.Model, Keys(defs["model"]!));
        Assert.Equal(SpecKeys.Variant, Keys(defs["variant"]!));
        Assert.Equal(SpecKeys.Budget, Keys(defs["budgetMapping"]!));
    }

    [Fact]
    public void TheSchemaKnowsExactlyTheParsersModesAndDevices()
    {
        var defs = SchemaJson.Value["$defs"]!.AsObject();
        Assert.Equal(GroupingModes.SpecModes.Keys, defs["variant"]!["properties"]!["mode"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(SpecNames.Devices.Keys, defs["device"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(SpecNames.Precisions.Keys, defs["evaluation"]!["properties"]!["precision"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void TheSchemaAndTheParserAgreeOnLimits()
    {
        var defs = SchemaJson.Value["$defs"]!.AsObject();
        var search = defs["search"]!["properties"]!;
        Assert.Equal(SearchSettingsSpec.MinPopulation, search["population"]!["minimum"]!.GetValue<int>());
        Assert.Equal(SearchSettingsSpec.MaxPopulation, search["population"]!["maximum"]!.GetValue<int>());
        Assert.Equal(SearchSettingsSpec.MaxGenerations, search["generations"]!["maximum"]!.GetValue<int>());
        Assert.Equal(SearchSettingsSpec.Default.Population, search["population"]!["default"]!.GetValue<int>());
        Assert.Equal(SearchSettingsSpec.Default.Generations, search["generations"]!["default"]!.GetValue<int>());
        Assert.Equal(SearchSettingsSpec.Default.Seed, search["seed"]!["default"]!.GetValue<int>());
        Assert.Equal(EvaluationSpec.DefaultMaxTokens, defs["evaluation"]!["properties"]!["max_tokens"]!["default"]!.GetValue<int>());
        Assert.Equal(SpecKeys.MaxHeadCount, defs["layerBudget"]!["anyOf"]![1]!["maximum"]!.GetValue<int>());
        Assert.Equal(SpecKeys.MaxLayerIndex, defs["budgetMapping"]!["properties"]!["keep_mha"]!["items"]!["maximum"]!.GetValue<int>());
    }

    [GeneratedRegex(@"^# expect: (?<code>QCQA\d{3}) \((?<line>\d+),(?<col>\d+)\) (?<text>.+)$")]
    private static partial Regex ExpectationPattern();
}
