using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Memory;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Calibration;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Text;

namespace Qcqa.Torch.Tests.Streaming;

/// <summary>
/// Evaluation and calibration plan their peak from the shapes before any weight is read: a model that fits streams
/// or stays resident, one that cannot fit stops at once with QCQA061 naming the stage, the estimate and the limit.
/// </summary>
public sealed class MemoryPlanTests
{
    [Fact]
    public void TheEstimatesOfA7BShapedModelAreItsShapesArithmetic()
    {
        var config = new Torch.Llama.LlamaConfig
        {
            VocabSize = 32000, HiddenSize = 4096, IntermediateSize = 11008, NumHiddenLayers = 32, NumAttentionHeads = 32,
        };

        // q, k, v, o: 4 · 4096²; gate, up, down: 3 · 4096 · 11008; two norms: 2 · 4096; float32.
        Assert.Equal((4L * 4096 * 4096 + 3L * 4096 * 11008 + 2 * 4096) * 4, MemoryPlanner.LayerBytes(config));
        Assert.Equal(32000L * 4096 * 4, MemoryPlanner.HeadBytes(config));
        var plan = PassPlan.For(config, new MemoryLimit(6_000_000_000, "test"), 8, 256, 2048, withLogits: true);
        Assert.Equal(LayerResidency.Streamed, plan.Residency);
        Assert.Equal(2048, plan.TokensPerPass);
        Assert.InRange(plan.PeakBytes, 2_000_000_000, 6_000_000_000);
    }

    [Fact]
    public void AStreamedPassCarriesAsManyTokensAsTheLimitLeavesRoomFor()
    {
        var config = new Torch.Llama.LlamaConfig
        {
            VocabSize = 32000, HiddenSize = 4096, IntermediateSize = 11008, NumHiddenLayers = 32, NumAttentionHeads = 32,
        };

        var small = PassPlan.For(config, new MemoryLimit(4_000_000_000, "test"), 8, 256, 1_000_000, withLogits: true);
        var large = PassPlan.For(config, new MemoryLimit(12_000_000_000, "test"), 8, 256, 1_000_000, withLogits: true);

        Assert.True(small.TokensPerPass < large.TokensPerPass);
        Assert.Equal(0, small.TokensPerPass % 2048);
        Assert.True(small.PeakBytes <= 4_000_000_000 && large.PeakBytes <= 12_000_000_000);
    }

    [Fact]
    public void EvaluationThatCannotFitStopsBeforeReadingAWeightAndNamesTheEstimateAndTheLimit()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        var textPath = temp.Combine("text.txt");
        File.WriteAllText(textPath, string.Concat(Enumerable.Repeat("In the beginning was the word. ", 40)));
        var text = TokenizedText.Load(ModelTokenizer.Load(folder), textPath, 1000);
        var limit = new MemoryLimit(10_000_000, "set by the test");

        var error = Assert.Throws<QcqaException>(() =>
            CheckpointEvaluation.Run(folder, text, new EvaluationOptions { Memory = limit }, "cpu"));

        Assert.Equal(ErrorCodes.InsufficientMemory, error.Code);
        Assert.Contains("Evaluating", error.Message);
        Assert.Contains("10 MB", error.Message);
        Assert.Contains("set by the test", error.Message);
        Assert.Contains("runtime", error.Message);
    }

    [Fact]
    public void CalibrationThatCannotFitStopsBeforeItStarts()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        var textPath = temp.Combine("text.txt");
        File.WriteAllText(textPath, string.Concat(Enumerable.Repeat("In the beginning was the word. ", 40)));
        var layers = 0;

        var error = Assert.Throws<QcqaException>(() => new TorchCalibrator().Calibrate(folder, textPath, 1000, "cpu",
            new MemoryLimit(10_000_000, "set by the test"), (_, _) => layers++, CancellationToken.None));

        Assert.Equal(ErrorCodes.InsufficientMemory, error.Code);
        Assert.Contains("Calibrating", error.Message);
        Assert.Equal(0, layers);
    }

    [Fact]
    public void CalibrationHandsOverEveryLayerInOrderWithTheWholeModelsStatistics()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        var textPath = temp.Combine("text.txt");
        File.WriteAllText(textPath, string.Concat(Enumerable.Repeat("In the beginning was the word. ", 40)));
        var handed = new List<(int Layer, LayerCalibration Statistics)>();

        var tokens = new TorchCalibrator().Calibrate(folder, textPath, 1000, "cpu", new MemoryLimit(1L << 32, "test"), (l, s) => handed.Add((l, s)), CancellationToken.None);
        CalibrationStatistics whole;
        using (var checkpoint = Checkpoint.Open(folder))
        using (var model = CheckpointModelLoader.Load(checkpoint))
            whole = CalibrationRunner.Run(model, CalibrationText.Load(folder, textPath, 1000), new CalibrationOptions { WindowSize = CalibrationText.WindowSize });

        Assert.Equal(Enumerable.Range(0, LayerCount(folder)), handed.Select(h => h.Layer));
        Assert.Equal(whole.Tokens, tokens);
        for (var l = 0; l < handed.Count; l++)
        {
            Assert.Equal(whole.Layers[l].InputMoment.ToArray(), handed[l].Statistics.InputMoment.ToArray());
            Assert.Equal(whole.Layers[l].HeadOutputSpread.ToArray(), handed[l].Statistics.HeadOutputSpread.ToArray());
        }
    }

    private static int LayerCount(string folder)
    {
        using var checkpoint = Checkpoint.Open(folder);
        return checkpoint.LayerCount;
    }
}
