using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Memory;

namespace Qcqa.Core.Tests.Pipeline.Fakes;

/// <summary>
/// A calibration pass without libtorch: one token per character of the text (up to the cap), an identity input moment
/// and unit output spreads, of the model's real shape. Like the real one, it rejects a text shorter than one window
/// (<see cref="WindowSize"/> characters here) with QCQA050 naming the file. Records every call.
/// </summary>
internal sealed class FakeCalibrator : ICalibrator
{
    internal const int WindowSize = 8;

    private readonly List<string> _texts = [];

    /// <summary>The texts calibrated on, in call order.</summary>
    internal IReadOnlyList<string> Texts
    {
        get { lock (_texts) return _texts.ToArray(); }
    }

    public string CodeVersion => "fake-calibrator-1";

    /// <summary>The memory limit of every calibration.</summary>
    internal System.Collections.Concurrent.ConcurrentBag<MemoryLimit> Limits { get; } = [];

    public long Calibrate(string modelFolder, string textPath, long maxTokens, string device, MemoryLimit memory, Action<int, LayerCalibration> layerDone,
        CancellationToken cancellation)
    {
        lock (_texts) _texts.Add(textPath);
        Limits.Add(memory);
        var text = File.ReadAllText(textPath);
        if (text.Length < WindowSize)
            throw new QcqaException(ErrorCodes.BadEvaluationInput, $"The text has {text.Length} tokens, fewer than one window of {WindowSize}.", textPath);
        using var checkpoint = Checkpoint.Open(modelFolder);
        var hidden = checkpoint.Config.HiddenSize;
        for (var layer = 0; layer < checkpoint.LayerCount; layer++)
        {
            var moment = new double[(hidden + 1) * (hidden + 1)];
            for (var i = 0; i <= hidden; i++) moment[i * (hidden + 1) + i] = 1;
            layerDone(layer, new LayerCalibration(hidden, moment, Enumerable.Repeat(1.0, checkpoint.Config.NumAttentionHeads).ToArray()));
        }
        return Math.Min(maxTokens, text.Length);
    }
}
