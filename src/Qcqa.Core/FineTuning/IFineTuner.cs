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
    /// <param name="spec">The recipe.</param>
    /// <param name="label">Names the variant in messages (e.g. <c>model/variant</c>).</param>
    /// <param name="device">cpu, cuda, cuda:N or auto.</param>
    /// <param name="outputFolder">Where the fine-tuned checkpoint goes (replaced only if it is QcqaBuild output).</param>
    /// <param name="beforeCommit">Called with the complete temporary folder before it is renamed into place (the build writes its stamp there).</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellation">Checked before every step; nothing is written on cancellation.</param>
    /// <exception cref="Diagnostics.QcqaException">Bad text or settings, a diverging loss (naming the step), an unavailable device.</exception>
    FineTuneReport FineTune(string compressedFolder, string originalFolder, FineTuneSpec spec, string label, string device, string outputFolder,
        Action<string> beforeCommit, IProgress<FineTuneStep>? progress, CancellationToken cancellation);
}

/// <summary>What a fine-tuning run did.</summary>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="Tokens">Tokens trained on.</param>
/// <param name="FirstLoss">Loss of the first step.</param>
/// <param name="LastLoss">Loss of the last step.</param>
/// <param name="Seconds">Training time.</param>
public sealed record FineTuneReport(int Steps, long Tokens, double FirstLoss, double LastLoss, double Seconds);

/// <summary>One step of a fine-tuning run, for progress displays.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps planned.</param>
/// <param name="Loss">This step's loss.</param>
/// <param name="TokensPerSecond">Training speed so far.</param>
/// <param name="SecondsLeft">Estimated time to the last step.</param>
public sealed record FineTuneStep(int Step, int Steps, double Loss, double TokensPerSecond, double SecondsLeft);
