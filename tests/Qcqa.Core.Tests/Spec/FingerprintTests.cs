using Qcqa.Core.Grouping;
using Qcqa.Core.Spec;
using Xunit;

namespace Qcqa.Core.Tests.Spec;

public class FingerprintTests : IDisposable
{
    private readonly SpecFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private VariantSpec Variant(string variantFlow, string defaults = "")
        => _fixture.Load($"""
            {defaults}
            models:
              - path: models/tiny-llama
                variants:
                  - {variantFlow}
            """).Models[0].Variants[0];

    private const string Base = "{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 0.25 }, keep_mha: [0] } }";

    [Fact]
    public void TheFingerprintIsStableAndReadable()
    {
        var variant = Variant(Base);
        Assert.Equal(variant.Fingerprint, Variant(Base).Fingerprint);
        Assert.Equal(
            """
            qcqa-variant-fingerprint/1
            model.name="tiny-llama"
            model.path="models/tiny-llama"
            variant.name="v"
            variant.output="v"
            mode="arbitrary"
            budget="global=0.5;layers=0:mha,1:f0.25,2:f0.25,"
            search.population="64"
            search.generations="40"
            search.seed="1"

            """.ReplaceLineEndings("\n"),
            variant.Fingerprint);
        Assert.Equal(32, variant.FingerprintHash.Length);
    }

    [Fact]
    public void BudgetsThatMeanTheSameHaveTheSameFingerprint()
    {
        var expanded = Variant("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"0\": mha, \"2\": 0.25, \"1\": 0.25 } } }");
        Assert.Equal(Variant(Base).Fingerprint, expanded.Fingerprint);
    }

    [Theory]
    [InlineData("{ name: v, mode: equal, budget: { global: 0.5, layers: { \"1-2\": 0.25 }, keep_mha: [0] } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.51, layers: { \"1-2\": 0.25 }, keep_mha: [0] } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-3\": 0.25 }, keep_mha: [0] } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 1 }, keep_mha: [0] } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 0.25 } } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 0.25 }, keep_mha: [0] }, search: { seed: 2 } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 0.25 }, keep_mha: [0] }, output: w }")]
    [InlineData("{ name: w, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 0.25 }, keep_mha: [0] } }")]
    public void AnythingThatChangesTheOutputChangesTheFingerprint(string other)
    {
        Assert.NotEqual(Variant(Base).FingerprintHash, Variant(other).FingerprintHash);
    }

    [Fact]
    public void TheDeviceAndTheDefaultsLayoutDoNotChangeTheFingerprint()
    {
        var withDefaults = Variant("{ name: v, mode: arbitrary, device: auto, budget: { global: 0.5, layers: { \"1-2\": 0.25 }, keep_mha: [0] } }",
            "defaults: { device: cuda, search: { population: 64 } }");
        Assert.Equal(Variant(Base).Fingerprint, withDefaults.Fingerprint);
    }

    [Fact]
    public void SearchSettingsDoNotChangeTheFingerprintOfUnsearchedModes()
    {
        Assert.Equal(
            Variant("{ name: v, mode: gqa, budget: 0.25 }").Fingerprint,
            Variant("{ name: v, mode: gqa, budget: 0.25, search: { seed: 9 } }").Fingerprint);
    }

    [Fact]
    public void AVariantBuiltInCodeHasAFingerprintToo()
    {
        var variant = new VariantSpec
        {
            ModelName = "m",
            ModelPath = "/models/m",
            ModelPathFromSpec = "m",
            Name = "half",
            OutputName = "half",
            Mode = GroupingMode.Equal,
            Budget = BudgetSpec.PerLayer(0.5),
        };
        Assert.Contains("budget=\"per_layer=0.5;layers=\"", variant.Fingerprint);
        Assert.NotEqual(variant.FingerprintHash, (variant with { Budget = BudgetSpec.Global(0.5) }).FingerprintHash);
    }
}
