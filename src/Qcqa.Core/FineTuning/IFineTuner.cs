using Qcqa.Core.Memory;

namespace Qcqa.Core.FineTuning;

/// <summary>Fine-tunes a compressed checkpoint (implemented by Qcqa.Torch).</summary>
public interface IFineTuner
{
    /// <summary>Identifies the implementation's code in cache keys.</summary>
    string CodeVersion { get; }

    /// <summary>
    /// Trains <paramref name="compressedFolder"/> on <paramref name="spec"/>'s text and writes the result, in the same
    /// checkpoint form, to <paramref name="outputFolder"/>, atomically.
    /// </summary>
    /// <param name="compressedFolder">The merged checkpoint (never modified).</param>
    /// <param name="originalFolder">The original model: the tokenizer, and the teacher of distillation.</param>
    /// <param name="spec">The recipe; its mode is concrete (<see cref="CheckMemory"/> resolves <see cref="FineTuneMode.Auto"/>).</param>
    /// <param name="label">Names the variant in messages (e.g. <c>model/variant</c>).</param>
    /// <param name="device">cpu, cuda, cuda:N or auto.</param>
    /// <param name="memory">The run is planned against this limit (QCQA061 when it cannot fit).</param>
    /// <param name="outputFolder">Where the fine-tuned checkpoint goes (replaced only if it is QcqaBuild output).</param>
    /// <param name="beforeCommit">Called with the complete temporary folder before it is renamed into place (the build writes its stamp there).</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellation">Checked before every step; nothing is written on cancellation.</param>
    /// <exception cref="Diagnostics.QcqaException">Bad text or settings, a diverging loss (naming the step), an unavailable device.</exception>
    FineTuneReport FineTune(string compressedFolder, string originalFolder, FineTuneSpec spec, string label, string device, MemoryLimit memory,
        string outputFolder, Action<string> beforeCommit, IProgress<FineTuneStep>? progress, CancellationToken cancellation);

    /// <summary>
    /// The mode the run takes under <paramref name="memory"/>: <paramref name="spec"/>'s own, or for
    /// <see cref="FineTuneMode.Auto"/> end-to-end when its estimate fits and layer-wise otherwise. Reads the original
    /// model's config only (the merged checkpoint has the same shapes with fewer KV heads, so its estimate is an upper
    /// bound); the build asks before any model is worked on, and again to form the cache key.
    /// </summary>
    /// <param name="originalFolder">The original model.</param>
    /// <param name="spec">The recipe.</param>
    /// <param name="label">Names the variant in messages.</param>
    /// <param name="memory">The build's limit.</param>
    /// <returns>End-to-end or layer-wise, never auto.</returns>
    /// <exception cref="Diagnostics.QcqaException">QCQA061 naming the variant, the mode, its estimate and the limit when the chosen mode cannot fit.</exception>
    FineTuneMode CheckMemory(string originalFolder, FineTuneSpec spec, string label, MemoryLimit memory)
        => spec.Mode == FineTuneMode.Auto ? FineTuneMode.EndToEnd : spec.Mode;
}

/// <summary>What a fine-tuning run did.</summary>
/// <param name="Steps">Optimiser steps (layer-wise: per layer).</param>
/// <param name="Tokens">Tokens trained on.</param>
/// <param name="FirstLoss">Loss of the first step (layer-wise: the layers' mean relative output error on the first batch before training).</param>
/// <param name="LastLoss">Loss of the last step (layer-wise: the same error after training).</param>
/// <param name="Seconds">Training time.</param>
public sealed record FineTuneReport(int Steps, long Tokens, double FirstLoss, double LastLoss, double Seconds)
{
    /// <summary>The mode that ran.</summary>
    public FineTuneMode Mode { get; init; } = FineTuneMode.EndToEnd;
}

/// <summary>One step of a fine-tuning run, for progress displays.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps planned.</param>
/// <param name="Loss">This step's loss.</param>
/// <param name="TokensPerSecond">Training speed so far.</param>
/// <param name="SecondsLeft">Estimated time to the last step.</param>
public sealed record FineTuneStep(int Step, int Steps, double Loss, double TokensPerSecond, double SecondsLeft);
