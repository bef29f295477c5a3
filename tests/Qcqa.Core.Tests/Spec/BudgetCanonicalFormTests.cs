using Qcqa.Core.Allocation;
using Qcqa.Core.Spec;

namespace Qcqa.Core.Tests.Spec;

/// <summary>The budget's canonical form (the summary's budget column): equal for budgets that mean the same, different otherwise.</summary>
public class BudgetCanonicalFormTests : IDisposable
{
    private readonly SpecFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private KvBudget Budget(string variantFlow)
        => _fixture.Load($"""
            models:
              - path: models/tiny-llama
                variants:
                  - {variantFlow}
            """).Models[0].Variants[0].Budget!;

    private const string Base = "{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 0.25 }, keep_mha: [0] } }";

    [Fact]
    public void TheCanonicalFormIsStableAndReadable()
    {
        Assert.Equal(Budget(Base).ToCanonicalString(), Budget(Base).ToCanonicalString());
        Assert.Equal("global=0.5;layers=0:mha,1:f0.25,2:f0.25,", Budget(Base).ToCanonicalString());
    }

    [Fact]
    public void BudgetsThatMeanTheSameHaveTheSameCanonicalForm()
    {
        var expanded = Budget("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"0\": mha, \"2\": 0.25, \"1\": 0.25 } } }");
        Assert.Equal(Budget(Base).ToCanonicalString(), expanded.ToCanonicalString());
    }

    [Theory]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.51, layers: { \"1-2\": 0.25 }, keep_mha: [0] } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-3\": 0.25 }, keep_mha: [0] } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 1 }, keep_mha: [0] } }")]
    [InlineData("{ name: v, mode: arbitrary, budget: { global: 0.5, layers: { \"1-2\": 0.25 } } }")]
    public void AnythingThatChangesTheBudgetChangesTheCanonicalForm(string other)
    {
        Assert.NotEqual(Budget(Base).ToCanonicalString(), Budget(other).ToCanonicalString());
    }

    [Fact]
    public void ABudgetBuiltInCodeHasACanonicalFormToo()
    {
        Assert.Equal("per_layer=0.5;layers=", KvBudget.EveryLayer(0.5).ToCanonicalString());
        Assert.NotEqual(KvBudget.EveryLayer(0.5).ToCanonicalString(), KvBudget.Global(0.5).ToCanonicalString());
    }
}
