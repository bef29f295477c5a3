using Qcqa.Core.Allocation;
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
        var resolution = Variant("              global: 0.5\n              keep_mha: [0]").ResolveBudget([8, 8, 8, 8]).GetOrThrow();
        Assert.Equal(16, resolution.MaxTotalKvHeads);
        Assert.Equal((8, 8), (resolution.MinKvHeads(0), resolution.Caps[0]));
        Assert.True(resolution.Pinned[0]);
        Assert.Equal((1, 8), (resolution.MinKvHeads(1), resolution.Caps[1]));
        Assert.Equal(11, resolution.MinTotalKvHeads);
    }

    [Fact]
    public void APerLayerBudgetResolvesToACapInEveryLayerWithExplicitEntriesWinningAndCountsAreCapsToo()
    {
        var resolution = Variant("              per_layer: 0.3\n              layers: { \"1\": 2, \"2\": 0.5 }").ResolveBudget([10, 10, 10]).GetOrThrow();
        Assert.Null(resolution.MaxTotalKvHeads);
        Assert.Equal([3, 2, 5], resolution.Caps);
        Assert.Equal([1, 1, 1], Enumerable.Range(0, 3).Select(resolution.MinKvHeads));
    }

    [Fact]
    public void MqaResolvesToOneKvHeadPerLayer()
    {
        var spec = _fixture.Load("""
            models:
              - path: models/tiny-llama
                variants: [{ name: m, mode: mqa }]
            """);
        var resolution = spec.Models[0].Variants[0].ResolveBudget([4, 4]).GetOrThrow();
        Assert.All(Enumerable.Range(0, 2), l => Assert.Equal((1, 1), (resolution.MinKvHeads(l), resolution.Caps[l])));
    }

    [Fact]
    public void GivenAGlobalBudgetTooSmallForTheFixedLayersItReportsQcqa030AtTheBudget()
    {
        var variant = Variant("              global: 0.3\n              keep_mha: [0, 1]");
        var problems = variant.ResolveBudget([4, 4, 4, 4]).Problems;
        var problem = Assert.Single(problems);
        Assert.Equal(ErrorCodes.ImpossibleBudget, problem.Code);
        Assert.Equal(variant.Budget!.Location, problem.Location);
        Assert.Contains("allows 4 of the 16", problem.Message);
        var thrown = Assert.Throws<QcqaException>(() => variant.ResolveBudget([4, 4, 4, 4]).GetOrThrow());
        Assert.Equal(ErrorCodes.ImpossibleBudget, thrown.Code);
        Assert.Equal(variant.Budget.Location.Line, thrown.Line);
    }

    [Fact]
    public void GivenLayersBeyondTheModelEachIsReportedAtItsEntry()
    {
        var variant = Variant("              global: 0.5\n              layers: { \"2-40\": mha }\n              keep_mha: [31]");
        var problems = variant.ResolveBudget([4, 4, 4, 4]).Problems;
        Assert.Contains(problems, p => p.Location.Line == 8 && p.Message.Contains("Layer 40 does not exist"));
        Assert.Contains(problems, p => p.Location.Line == 9 && p.Message.Contains("keep_mha names layer 31"));
    }

    [Fact]
    public void GivenACountAboveTheLayersHeadsItIsReportedOncePerEntry()
    {
        var problems = Variant("              layers: { \"0-3\": 8 }").ResolveBudget([4, 4, 4, 4]).Problems;
        Assert.Contains("cannot keep 8", Assert.Single(problems).Message);
    }

    [Fact]
    public void InEqualModeACountMustDivideTheLayersHeads()
    {
        var problems = Variant("              layers: { \"0-1\": 3 }", mode: "equal").ResolveBudget([8, 8]).Problems;
        Assert.Contains("must divide its 8 heads", Assert.Single(problems).Message);
        Assert.Empty(Variant("              layers: { \"0-1\": 3 }", mode: "arbitrary").ResolveBudget([8, 8]).Problems);
    }

    [Fact]
    public void GivenLayersWithoutAnyBudgetTheyAreListedAsRanges()
    {
        var problems = Variant("              layers: { \"0\": 2, \"3\": 2 }").ResolveBudget([4, 4, 4, 4, 4, 4]).Problems;
        Assert.Contains("No budget for layers 1-2, 4-5", Assert.Single(problems).Message);
    }

    [Fact]
    public void GivenAPerLayerFractionBelowOneHeadItIsReported()
    {
        // round(0.1 × 4) = 0 heads is reported; round(0.1 × 8) = 1 head is allowed (the allocator rounds the same way).
        var problems = Variant("              per_layer: 0.1").ResolveBudget([4, 4, 8]).Problems;
        var problem = Assert.Single(problems);
        Assert.Contains("leaves layers 0-1 (4 KV heads)", problem.Message);
    }

    [Fact]
    public void FractionsThatLandOnWholeHeadsAreNotRoundedDown()
    {
        var resolution = Variant("              per_layer: 0.3").ResolveBudget([10]).GetOrThrow();
        Assert.Equal(3, resolution.Caps[0]);
    }
}
