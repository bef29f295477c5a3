using Qcqa.Core.Diagnostics;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Memory;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;

namespace Qcqa.Torch.Tests.FineTuning;

/// <summary>
/// The fine-tuning memory plan from shapes: its figures at Llama-2-7B shapes, the choice <c>auto</c> makes, and the
/// QCQA061 refusal naming the run, the mode, the estimate and the limit.
/// </summary>
public sealed class FineTuningMemoryPlanTests
{
    private static readonly LlamaConfig Llama7B = new()
    {
        VocabSize = 32000, HiddenSize = 4096, IntermediateSize = 11008, NumHiddenLayers = 32, NumAttentionHeads = 32,
    };

    // The acceptance run: 4,096 tokens in one step of 16 windows of 256.
    private static readonly FineTuningSettings FourThousandTokens = new() { Tokens = 4096, Label = "llama-7b/ac-50-ft" };

    [Fact]
    public void AtSevenBillionParametersEndToEndNeedsAboutOneHundredGigabytesFromTheShapes()
    {
        var (bytes, breakdown) = FineTuningMemoryPlan.EndToEnd(Llama7B, FourThousandTokens);

        var model = MemoryPlanner.ModelBytes(Llama7B);
        var attention = 32L * 4 * 4096 * 4096 * 4;
        var activations = 32 * MemoryPlanner.LayerActivationBytes(Llama7B, 16, 256) + MemoryPlanner.CarriedBytes(Llama7B, 4096);
        var logits = 3L * 4096 * 32000 * 4;
        Assert.Equal(MemoryPlanner.RuntimeOverheadBytes + model + 3 * attention + activations + logits, bytes);
        Assert.InRange(bytes, 90e9, 110e9);
        Assert.Contains("AdamW moments 17.2 GB", breakdown);
    }

    [Fact]
    public void AtSevenBillionParametersLayerWiseOnFourThousandTokensFitsInAFewGigabytes()
    {
        var (bytes, breakdown) = FineTuningMemoryPlan.LayerWise(Llama7B, FourThousandTokens);

        var layer = MemoryPlanner.LayerBytes(Llama7B);
        var attention = 4L * 4096 * 4096 * 4;
        var streams = 3L * 4096 * 4096 * 4;
        // The step's 16 windows of 256 tokens are trained in parts of 4 (1,024 tokens), one part's activations alive at a time.
        Assert.Equal(4, FourThousandTokens.LayerwisePartWindows);
        Assert.Equal(MemoryPlanner.RuntimeOverheadBytes + 2 * layer + 3 * attention + streams + 2 * MemoryPlanner.LayerActivationBytes(Llama7B, 4, 256), bytes);
        Assert.InRange(bytes, 2e9, 4.5e9);
        Assert.Contains("one layer's forward and backward for 4×256 tokens", breakdown);
        Assert.Contains("3 residual streams of 4,096 tokens", breakdown);
    }

    [Fact]
    public void AutoTakesEndToEndWhenItFitsAndLayerWiseWhenItDoesNot()
    {
        var tiny = new LlamaConfig { VocabSize = 256, HiddenSize = 192, IntermediateSize = 512, NumHiddenLayers = 6, NumAttentionHeads = 12, HeadDim = 16 };
        var settings = new FineTuningSettings { Tokens = 120_000 };
        var endToEnd = FineTuningMemoryPlan.EndToEnd(tiny, settings).Bytes;
        var layerWise = FineTuningMemoryPlan.LayerWise(tiny, settings).Bytes;

        Assert.Equal(FineTuneMode.EndToEnd, FineTuningMemoryPlan.Choose(tiny, settings, FineTuneMode.Auto, new MemoryLimit(endToEnd, "test")));
        Assert.Equal(FineTuneMode.LayerWise, FineTuningMemoryPlan.Choose(tiny, settings, FineTuneMode.Auto, new MemoryLimit(endToEnd - 1, "test")));
        Assert.Equal(FineTuneMode.LayerWise, FineTuningMemoryPlan.Choose(tiny, settings, FineTuneMode.LayerWise, new MemoryLimit(layerWise, "test")));
        Assert.Equal(FineTuneMode.LayerWise, FineTuningMemoryPlan.Choose(Llama7B, FourThousandTokens, FineTuneMode.Auto, new MemoryLimit(6_000_000_000, "test")));
    }

    [Fact]
    public void EndToEndThatDoesNotFitIsRefusedNamingTheRunTheModeTheEstimateAndTheLimit()
    {
        var limit = new MemoryLimit(6_000_000_000, "set by memory_limit in qcqa.yaml");
        var error = Assert.Throws<QcqaException>(() => FineTuningMemoryPlan.Choose(Llama7B, FourThousandTokens, FineTuneMode.EndToEnd, limit));

        Assert.Equal(ErrorCodes.InsufficientMemory, error.Code);
        var estimate = MemoryLimit.Format(FineTuningMemoryPlan.EndToEnd(Llama7B, FourThousandTokens).Bytes);
        Assert.Contains("Fine-tuning 'llama-7b/ac-50-ft' (end-to-end)", error.Message);
        Assert.Contains($"needs about {estimate}", error.Message);
        Assert.Contains("the memory limit is 6.0 GB (set by memory_limit in qcqa.yaml)", error.Message);
        Assert.Contains("finetune.mode: layerwise", error.Message);
    }

    [Fact]
    public void LayerWiseThatDoesNotFitIsRefusedSayingWhyAutoChoseIt()
    {
        var many = FourThousandTokens with { Tokens = 2_000_000 };
        var error = Assert.Throws<QcqaException>(() => FineTuningMemoryPlan.Choose(Llama7B, many, FineTuneMode.Auto, new MemoryLimit(6_000_000_000, "test")));

        Assert.Equal(ErrorCodes.InsufficientMemory, error.Code);
        Assert.Contains("(layer-wise, chosen because end-to-end needs about", error.Message);
        Assert.Contains("3 residual streams of 2,002,944 tokens", error.Message);
        Assert.Contains("fewer tokens", error.Message);
    }
}
