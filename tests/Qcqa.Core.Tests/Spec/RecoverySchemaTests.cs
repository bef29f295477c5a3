using System.Globalization;
using System.Text.Json.Nodes;
using Json.Schema;
using Qcqa.Core.Calibration;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Spec;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Spec;

/// <summary>
/// qcqa.yaml.schema.json and the parser agree on the keys of issue 9 (calibration, merge, fitness, allocation,
/// finetune): the same keys, the same words, the same defaults, and the same numeric bounds — each bound accepted by
/// both and one step beyond it rejected by both. (The example files under Examples/ cover whole specs.)
/// </summary>
public sealed class RecoverySchemaTests
{
    private static readonly SpecReaderOptions NoPathChecks = new() { CheckPathsExist = false };
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromFile(RepositoryLayout.Combine("qcqa.yaml.schema.json")));
    private static readonly Lazy<JsonObject> Defs = new(() =>
        JsonNode.Parse(File.ReadAllText(RepositoryLayout.Combine("qcqa.yaml.schema.json")))!["$defs"]!.AsObject());

    private static JsonObject FineTuneObject => Defs.Value["finetune"]!["oneOf"]![1]!.AsObject();

    private static string[] Keys(JsonNode node) => node["properties"]!.AsObject().Select(p => p.Key).ToArray();

    private static string[] Words(JsonNode node) => node["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    [Fact]
    public void TheSchemaKnowsExactlyTheParsersCalibrationAndFinetuneKeys()
    {
        Assert.Equal(SpecKeys.Calibration, Keys(Defs.Value["calibration"]!));
        Assert.Equal(SpecKeys.FineTune, Keys(FineTuneObject));
        Assert.Equal(["text"], Defs.Value["calibration"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void TheSchemaKnowsExactlyTheParsersRecipeWords()
    {
        Assert.Equal(SpecNames.MergeMethods.Keys, Words(Defs.Value["merge"]!));
        Assert.Equal(SpecNames.Fitnesses.Keys, Words(Defs.Value["fitness"]!));
        Assert.Equal(SpecNames.Allocations.Keys, Words(Defs.Value["allocation"]!));
        Assert.Equal(FineTuneNames.Losses.Keys, Words(FineTuneObject["properties"]!["loss"]!));
        Assert.Equal(FineTuneNames.Parameters.Keys, Words(FineTuneObject["properties"]!["params"]!));
        Assert.Equal(FineTuneNames.Modes.Keys, Words(FineTuneObject["properties"]!["mode"]!));
    }

    [Fact]
    public void TheSchemasDefaultsAreTheParsersDefaults()
    {
        var calibration = Defs.Value["calibration"]!["properties"]!;
        Assert.Equal(CalibrationSpec.DefaultMaxTokens, calibration["max_tokens"]!["default"]!.GetValue<int>());
        Assert.Equal(CalibrationSpec.DefaultProbeTokens, calibration["probe_tokens"]!["default"]!.GetValue<int>());
        Assert.Equal("aligned", Defs.Value["merge"]!["default"]!.GetValue<string>());

        var finetune = FineTuneObject["properties"]!;
        var parsed = ParseFineTune("{ steps: 1 }")!;
        Assert.Equal(parsed.LearningRate, finetune["learning_rate"]!["default"]!.GetValue<double>());
        Assert.Equal(parsed.BatchTokens, finetune["batch_tokens"]!["default"]!.GetValue<int>());
        Assert.Equal(parsed.SequenceLength, finetune["sequence_length"]!["default"]!.GetValue<int>());
        Assert.Equal(parsed.Loss.ToSpecName(), finetune["loss"]!["default"]!.GetValue<string>());
        Assert.Equal(parsed.Mode.ToSpecName(), finetune["mode"]!["default"]!.GetValue<string>());
        Assert.Equal(parsed.Parameters.ToSpecName(), finetune["params"]!["default"]!.GetValue<string>());
        Assert.Equal(parsed.Seed, finetune["seed"]!["default"]!.GetValue<int>());
    }

    public static TheoryData<string, string> NumericKeys => new()
    {
        { "calibration", "max_tokens" },
        { "calibration", "probe_tokens" },
        { "finetune", "steps" },
        { "finetune", "tokens" },
        { "finetune", "learning_rate" },
        { "finetune", "batch_tokens" },
        { "finetune", "sequence_length" },
        { "finetune", "seed" },
    };

    [Theory]
    [MemberData(nameof(NumericKeys))]
    public void GivenEachNumericBoundOfTheSchemaBothAcceptItAndBothRejectOneStepBeyond(string section, string key)
    {
        var property = (section == "calibration" ? Defs.Value["calibration"]! : FineTuneObject)["properties"]![key]!;
        var integer = property["type"]!.GetValue<string>() == "integer";
        var checkedBounds = 0;
        if (property["minimum"] is { } minimum)
        {
            var min = minimum.GetValue<long>();
            // Windows have at least two tokens, so no batch of one token is a whole number of windows: the parser's
            // relation between the two keys, which the schema cannot express, rejects it.
            if (key != "batch_tokens") AssertBothAccept(section, key, min);
            AssertBothReject(section, key, min - 1);
            checkedBounds++;
        }
        if (property["exclusiveMinimum"] is { } exclusive)
        {
            var bound = exclusive.GetValue<double>();
            AssertBothReject(section, key, bound);
            AssertBothAccept(section, key, bound + 1e-9);
            checkedBounds++;
        }
        if (property["maximum"] is { } maximum)
        {
            var max = maximum.GetValue<long>();
            AssertBothAccept(section, key, max);
            AssertBothReject(section, key, max + 1);
            checkedBounds++;
        }
        Assert.True(integer || key == "learning_rate", $"{section}.{key} should be an integer.");
        Assert.True(checkedBounds > 0, $"{section}.{key} has no bound in the schema.");
    }

    private static void AssertBothAccept(string section, string key, double value)
    {
        var (yaml, parsed) = Read(section, key, value);
        Assert.True(parsed, $"The parser rejects {section}.{key} = {Format(value)}:\n{yaml}");
        Assert.True(Schema.Value.Evaluate(YamlToJson.Convert(yaml)).IsValid, $"The schema rejects {section}.{key} = {Format(value)}.");
    }

    private static void AssertBothReject(string section, string key, double value)
    {
        var (yaml, parsed) = Read(section, key, value);
        Assert.False(parsed, $"The parser accepts {section}.{key} = {Format(value)}.");
        Assert.False(Schema.Value.Evaluate(YamlToJson.Convert(yaml)).IsValid, $"The schema accepts {section}.{key} = {Format(value)}.");
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    // A spec with one numeric setting; a window length comes with a batch that every power of two up to the maximum
    // divides, and a batch with windows of two tokens, so that only the bound under test can be wrong.
    private static (string Yaml, bool Parsed) Read(string section, string key, double value)
    {
        var setting = $"{key}: {Format(value)}";
        var yaml = section == "calibration"
            ? $$"""
                calibration: { text: calibration.txt, {{setting}} }
                models:
                  - path: models/tiny-llama
                    variants:
                      - { name: a, mode: arbitrary, budget: 0.5 }
                """
            : $$"""
                calibration: { text: calibration.txt }
                defaults:
                  finetune: { {{setting}}{{key switch { "sequence_length" => ", batch_tokens: 16777216", "batch_tokens" => ", sequence_length: 2", _ => "" }}} }
                models:
                  - path: models/tiny-llama
                    variants:
                      - { name: a, mode: arbitrary, budget: 0.5 }
                """;
        return (yaml, SpecReader.Parse(yaml, Path.Combine(Path.GetTempPath(), "qcqa.yaml"), NoPathChecks).Succeeded);
    }

    private static FineTuneSpec? ParseFineTune(string mapping)
    {
        var yaml = $$"""
            calibration: { text: calibration.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, finetune: {{mapping}} }
            """;
        return SpecReader.Parse(yaml, Path.Combine(Path.GetTempPath(), "qcqa.yaml"), NoPathChecks).GetSpecOrThrow().Variants.Single().FineTune;
    }
}
