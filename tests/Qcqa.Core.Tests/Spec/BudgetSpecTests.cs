using Qcqa.Core.Diagnostics;
using Qcqa.Core.Spec;
using Xunit;

namespace Qcqa.Core.Tests.Spec;

public class BudgetSpecTests : IDisposable
{
    private readonly SpecFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private SpecReadResult ReadBudget(string budgetYaml, string mode = "arbitrary") => _fixture.Read($"""
        models:
          - path: models/tiny-llama
            variants:
              - name: v
                mode: {mode}
                budget:
        {budgetYaml}
        """);

    private VariantSpec Variant(string budgetYaml, string mode = "arbitrary")
        => ReadBudget(budgetYaml, mode).GetSpecOrThrow().Models[0].Variants[0];

    [Fact]
    public void APerLayerEntryMapParsesRangesFractionsCountsAndMha()
    {
        var budget = Variant("""
                      global: 0.5
                      layers: { "0": mha, "1-3": 0.25, "7": 4, 9: 1.0, 10: 1 }
                      keep_mha: [0, 31]
            """).Budget!;

        Assert.Equal(0.5, budget.GlobalFraction);
        Assert.Equal(
            ["0:mha", "1-3:0.25", "7:4", "9:1", "10:1"],
            budget.Layers.Select(e => $"{e.RangeText}:{e.Value}"));
        Assert.Equal(LayerBudgetKind.Fraction, budget.Layers[3].Value.Kind);
        Assert.Equal(LayerBudgetKind.HeadCount, budget.Layers[4].Value.Kind);
        Assert.Equal([0, 31], budget.KeepMha.Select(k => k.Layer));
        Assert.Equal(LayerBudgetValue.Mha, budget.ExplicitValueFor(31));
        Assert.Null(budget.ExplicitValueFor(5));
        Assert.Equal(8, budget.Layers[1].Location.Line);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("0")]
    [InlineData("-0.5")]
    [InlineData(".nan")]
    [InlineData(".inf")]
    [InlineData("\"0.5\"")]
    [InlineData("[0.5]")]
    public void GivenAnOutOfRangeOrMistypedGlobalBudgetItReportsQcqa042AtTheValue(string value)
    {
        var result = _fixture.Read($$"""
            models:
              - path: models/tiny-llama
                variants:
                  - { name: v, mode: equal, budget: {{value}} }
            """);
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal((ErrorCodes.SpecBadValue, 4, 41), (problem.Code, problem.Location.Line, problem.Location.Column));
    }

    [Theory]
    [InlineData("\"3-1\"", "runs backwards")]
    [InlineData("\"1-\"", "not a layer or layer range")]
    [InlineData("\"-1\"", "not a layer or layer range")]
    [InlineData("\"1-2-3\"", "not a layer or layer range")]
    [InlineData("\"1 - 3\"", "not a layer or layer range")]
    [InlineData("\"10000\"", "not a layer or layer range")]
    [InlineData("all", "not a layer or layer range")]
    public void GivenABadLayerRangeItReportsQcqa042AtTheKey(string key, string expected)
    {
        var problem = Assert.Single(ReadBudget($"              layers: {{ {key}: 0.5 }}").Diagnostics);
        Assert.Equal((ErrorCodes.SpecBadValue, 7, 25), (problem.Code, problem.Location.Line, problem.Location.Column));
        Assert.Contains(expected, problem.Message);
    }

    [Theory]
    [InlineData("0", "between 1 and")]
    [InlineData("-2", "between 1 and")]
    [InlineData("1.5", "whole number such as 1")]
    [InlineData("0.0", "(0, 1]")]
    [InlineData("MHA", "did you mean 'mha'")]
    [InlineData("half", "a whole number of KV heads")]
    [InlineData("[1]", "a whole number of KV heads")]
    public void GivenABadLayerValueItReportsQcqa042AtTheValue(string value, string expected)
    {
        var problem = Assert.Single(ReadBudget($"              layers: {{ \"2\": {value} }}").Diagnostics);
        Assert.Equal((ErrorCodes.SpecBadValue, 7, 30), (problem.Code, problem.Location.Line, problem.Location.Column));
        Assert.Contains(expected, problem.Message);
    }

    [Fact]
    public void GivenOverlappingLayerEntriesTheLaterIsReported()
    {
        var problem = Assert.Single(ReadBudget("""
                      global: 0.5
                      layers:
                        "1-3": 0.25
                        "5": mha
                        "2": 4
            """).Diagnostics);
        Assert.Equal((ErrorCodes.SpecBadValue, 11, 13), (problem.Code, problem.Location.Line, problem.Location.Column));
        Assert.Contains("'2' and in '1-3' (line 9)", problem.Message);
    }

    [Fact]
    public void GivenKeepMhaContradictingALayerEntryItReportsQcqa030AtTheKeepMhaItem()
    {
        var problem = Assert.Single(ReadBudget("""
                      global: 0.5
                      layers: { "0-3": 0.25 }
                      keep_mha: [0]
            """).Diagnostics);
        Assert.Equal((ErrorCodes.ImpossibleBudget, 9, 22), (problem.Code, problem.Location.Line, problem.Location.Column));
        Assert.Contains("remove one of them", problem.Message);
    }

    [Fact]
    public void KeepMhaAgreeingWithAnMhaEntryIsAccepted()
    {
        Assert.True(ReadBudget("""
                      global: 0.5
                      layers: { "0": mha }
                      keep_mha: [0]
            """).Succeeded);
    }

    [Fact]
    public void GivenGlobalAndPerLayerTogetherItReportsTheSecond()
    {
        var problem = Assert.Single(ReadBudget("""
                      global: 0.5
                      per_layer: 0.5
            """).Diagnostics);
        Assert.Equal((ErrorCodes.SpecBadValue, 8, 11), (problem.Code, problem.Location.Line, problem.Location.Column));
    }

    [Fact]
    public void GivenABudgetMappingWithoutAnyFractionOrLayersItReportsQcqa044()
    {
        var problem = Assert.Single(ReadBudget("              keep_mha: [0]").Diagnostics);
        Assert.Equal(ErrorCodes.SpecMissingKey, problem.Code);
    }

    [Fact]
    public void GivenADuplicateKeepMhaLayerItIsReported()
    {
        var problem = Assert.Single(ReadBudget("              global: 0.5\n              keep_mha: [3, 3]").Diagnostics);
        Assert.Contains("already in keep_mha", problem.Message);
    }

    [Fact]
    public void GivenAKeyMisspeltInsideTheBudgetItSuggestsTheKnownOne()
    {
        var problem = Assert.Single(ReadBudget("              perlayer: 0.5").Diagnostics, d => d.Code == ErrorCodes.SpecUnknownKey);
        Assert.Contains("did you mean 'per_layer'?", problem.Message);
    }

    [Fact]
    public void AGlobalBudgetResolvesToACapOnTheTotal()
    {
        var resolution = Variant("              global: 0.5\n              keep_mha: [0]").ResolveBudget([8, 8, 8, 8]);
        Assert.Equal(16, resolution.MaxTotalKvHeads);
        Assert.Equal((8, 8), (resolution.Layers[0].MinKvHeads, resolution.Layers[0].MaxKvHeads));
        Assert.True(resolution.Layers[0].IsFixed);
        Assert.Equal((1, 8), (resolution.Layers[1].MinKvHeads, resolution.Layers[1].MaxKvHeads));
        Assert.Equal(11, resolution.MinTotalKvHeads);
    }

    [Fact]
    public void APerLayerBudgetResolvesToACapInEveryLayerWithExplicitEntriesWinningAndCountsAreCapsToo()
    {
        var resolution = Variant("              per_layer: 0.3\n              layers: { \"1\": 2, \"2\": 0.5 }").ResolveBudget([10, 10, 10]);
        Assert.Null(resolution.MaxTotalKvHeads);
        Assert.Equal([3, 2, 5], resolution.Layers.Select(l => l.MaxKvHeads));
        Assert.Equal([1, 1, 1], resolution.Layers.Select(l => l.MinKvHeads));
    }

    [Fact]
    public void MqaResolvesToOneKvHeadPerLayer()
    {
        var spec = _fixture.Load("""
            models:
              - path: models/tiny-llama
                variants: [{ name: m, mode: mqa }]
            """);
        var resolution = spec.Models[0].Variants[0].ResolveBudget([4, 4]);
        Assert.All(resolution.Layers, l => Assert.Equal((1, 1), (l.MinKvHeads, l.MaxKvHeads)));
    }

    [Fact]
    public void GivenAGlobalBudgetTooSmallForTheFixedLayersItReportsQcqa030AtTheBudget()
    {
        var variant = Variant("              global: 0.3\n              keep_mha: [0, 1]");
        var problems = variant.ValidateBudget([4, 4, 4, 4]);
        var problem = Assert.Single(problems);
        Assert.Equal(ErrorCodes.ImpossibleBudget, problem.Code);
        Assert.Equal(variant.Budget!.Location, problem.Location);
        Assert.Contains("allows 4 of the 16", problem.Message);
        var thrown = Assert.Throws<QcqaException>(() => variant.ResolveBudget([4, 4, 4, 4]));
        Assert.Equal(ErrorCodes.ImpossibleBudget, thrown.Code);
        Assert.Equal(variant.Budget.Location.Line, thrown.Line);
    }

    [Fact]
    public void GivenLayersBeyondTheModelEachIsReportedAtItsEntry()
    {
        var variant = Variant("              global: 0.5\n              layers: { \"2-40\": mha }\n              keep_mha: [31]");
        var problems = variant.ValidateBudget([4, 4, 4, 4]);
        Assert.Contains(problems, p => p.Location.Line == 8 && p.Message.Contains("Layer 40 does not exist"));
        Assert.Contains(problems, p => p.Location.Line == 9 && p.Message.Contains("keep_mha names layer 31"));
    }

    [Fact]
    public void GivenACountAboveTheLayersHeadsItIsReportedOncePerEntry()
    {
        var problems = Variant("              layers: { \"0-3\": 8 }").ValidateBudget([4, 4, 4, 4]);
        Assert.Contains("cannot keep 8", Assert.Single(problems).Message);
    }

    [Fact]
    public void InEqualModeACountMustDivideTheLayersHeads()
    {
        var problems = Variant("              layers: { \"0-1\": 3 }", mode: "equal").ValidateBudget([8, 8]);
        Assert.Contains("must divide its 8 heads", Assert.Single(problems).Message);
        Assert.Empty(Variant("              layers: { \"0-1\": 3 }", mode: "arbitrary").ValidateBudget([8, 8]));
    }

    [Fact]
    public void GivenLayersWithoutAnyBudgetTheyAreListedAsRanges()
    {
        var problems = Variant("              layers: { \"0\": 2, \"3\": 2 }").ValidateBudget([4, 4, 4, 4, 4, 4]);
        Assert.Contains("No budget for layers 1-2, 4-5", Assert.Single(problems).Message);
    }

    [Fact]
    public void GivenAPerLayerFractionBelowOneHeadItIsReported()
    {
        // round(0.1 × 4) = 0 heads is reported; round(0.1 × 8) = 1 head is allowed (the allocator rounds the same way).
        var problems = Variant("              per_layer: 0.1").ValidateBudget([4, 4, 8]);
        var problem = Assert.Single(problems);
        Assert.Contains("leaves layers 0-1 (4 KV heads)", problem.Message);
    }

    [Fact]
    public void FractionsThatLandOnWholeHeadsAreNotRoundedDown()
    {
        var resolution = Variant("              per_layer: 0.3").ResolveBudget([10]);
        Assert.Equal(3, resolution.Layers[0].MaxKvHeads);
    }

    [Theory]
    [InlineData("arbitrary", "              global: 0.2")]
    [InlineData("arbitrary", "              global: 0.15")]
    [InlineData("arbitrary", "              global: 0.4\n              keep_mha: [0]")]
    [InlineData("arbitrary", "              global: 0.3\n              keep_mha: [0]")]
    [InlineData("arbitrary", "              global: 0.5\n              layers: { \"1\": 3, \"2\": mha }")]
    [InlineData("arbitrary", "              global: 0.25\n              layers: { \"1\": 4 }")]
    [InlineData("arbitrary", "              per_layer: 0.1")]
    [InlineData("arbitrary", "              per_layer: 0.0625")]
    [InlineData("equal", "              per_layer: 0.3")]
    [InlineData("equal", "              global: 0.3\n              layers: { \"0\": 3 }")]
    [InlineData("equal", "              global: 0.3\n              layers: { \"0\": 4 }")]
    public void TheSpecsBudgetCheckAndTheAllocatorAgreeOnWhatIsPossible(string mode, string budgetYaml)
    {
        var variant = Variant(budgetYaml.Replace("\\n", "\n"), mode);
        var random = new Random(4);
        var grams = Enumerable.Range(0, 3).Select(_ =>
        {
            var accumulator = new Qcqa.Core.Statistics.GramAccumulator(8);
            accumulator.AddWeight(Enumerable.Range(0, 8 * 12).Select(_ => random.NextDouble() - 0.5).ToArray());
            return accumulator.Build();
        }).ToArray();
        var fronts = Qcqa.Core.Pipeline.GroupingPlanner.BuildFronts(grams, variant.Mode, new Qcqa.Core.Search.SearchSettings { Population = 8, Generations = 2, Threads = 1 });

        var specSaysPossible = variant.ValidateBudget([8, 8, 8]).Count == 0;
        var allocatorSaysPossible = true;
        try
        {
            Qcqa.Core.Pipeline.GroupingPlanner.Allocate(grams, fronts, variant.Mode, Qcqa.Core.Pipeline.BudgetMapping.ToKvBudget(variant.Budget!));
        }
        catch (QcqaException e) when (e.Code == ErrorCodes.ImpossibleBudget)
        {
            allocatorSaysPossible = false;
        }

        Assert.Equal(allocatorSaysPossible, specSaysPossible);
    }
}
