using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Inspection;
using Qcqa.Core.Statistics;
using Qcqa.Core.Synthetic;
using Qcqa.Core.Wse;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Inspection;

public sealed class ModelInspectorTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void GivenAModelEveryLayerIsInspectedInOrderWithTheWseOfGqaAtHalf()
    {
        var path = SyntheticModels.Write(_folder.Combine("model"), new SyntheticCheckpointOptions { Layers = 5, Heads = 12, KvHeads = 6, HeadDim = 4, Hidden = 48, Clusters = 2 });
        using var checkpoint = Checkpoint.Open(path);

        var inspection = ModelInspector.Inspect(checkpoint);

        Assert.Equal(Enumerable.Range(0, 5), inspection.PerLayer.Select(l => l.Index));
        for (var layer = 0; layer < 5; layer++)
        {
            var gram = CheckpointGram.Compute(checkpoint, layer);
            var expected = WseCalculator.Relative(WseCalculator.FromGram(gram, LayerGrouping.Gqa(6, 3)), gram);
            Assert.Equal(expected, inspection.PerLayer[layer].GqaHalfWseRelative);
        }
    }
}
