using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Tests.Search;
using Qcqa.Core.Wse;
using Xunit;

namespace Qcqa.Core.Tests.Allocation;

public sealed class BaselineGroupingsTests
{
    private static readonly Qcqa.Core.Statistics.GramMatrix[] Grams = [TestGrams.Random(8, 1), TestGrams.Clustered(8, 2)];

    [Fact]
    public void GqaAndMqaCarryTheirWseFromTheGramMatrices()
    {
        var gqa = BaselineGroupings.Gqa(Grams, 2);
        Assert.Equal(GroupingMode.Gqa, gqa.Mode);
        for (var l = 0; l < Grams.Length; l++)
        {
            Assert.Equal(LayerGrouping.Gqa(8, 2), gqa.Layers[l].Grouping);
            Assert.Equal(WseCalculator.FromGram(Grams[l], LayerGrouping.Gqa(8, 2)), gqa.Layers[l].Wse);
            Assert.Equal(gqa.Layers[l].Wse / Grams[l].Trace, gqa.Layers[l].WseRelative);
        }
        var mqa = BaselineGroupings.Mqa(Grams);
        Assert.Equal(GroupingMode.Mqa, mqa.Mode);
        Assert.Equal(2, mqa.KvHeadsTotal);
    }

    [Fact]
    public void GqaWithACountThatDoesNotDivideTheHeadsIsRejected()
    {
        var e = Assert.Throws<QcqaException>(() => BaselineGroupings.Gqa(Grams, 3));
        Assert.Equal(ErrorCodes.ImpossibleBudget, e.Code);
        Assert.Contains("layer 0 has 8", e.Message);
    }

    [Fact]
    public void TheSearchFollowedByAllocationBeatsGqaAtTheSameKvSize()
    {
        var fronts = ModelSearch.Run(Grams, new SearchSettings { Threads = 1, Generations = 10 });
        var allocated = Qcqa.Core.Allocation.KvAllocator.Allocate(fronts, Qcqa.Core.Allocation.KvBudget.Global(0.25));
        var gqa = BaselineGroupings.Gqa(Grams, 2);
        Assert.True(allocated.KvHeadsTotal <= gqa.KvHeadsTotal);
        Assert.True(allocated.WseTotal <= gqa.WseTotal);
    }
}
