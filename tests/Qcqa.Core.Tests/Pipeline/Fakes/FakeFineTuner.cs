using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Merge;

namespace Qcqa.Core.Tests.Pipeline.Fakes;

/// <summary>
/// Fine-tuning without libtorch, with the real one's contract: the merged checkpoint is never modified; the result, in
/// the same form (every file of the merged folder, same names, same config), is built in an owned temporary folder
/// beside the output, handed to <c>beforeCommit</c> complete, and renamed into place; on failure or cancellation the
/// temporary folder is removed and the output left as it was. "Training" scales layer 0's o_proj by (1 + learning
/// rate), so the weights depend on the recipe. Like the real one, it rejects a text shorter than one window
/// (<see cref="WindowSize"/> characters here) with QCQA050 naming the file. <see cref="DivergesAtStep"/> makes a run
/// fail like a diverging loss.
/// </summary>
internal sealed class FakeFineTuner : IFineTuner
{
    /// <summary>The tensor training changes.</summary>
    internal static readonly string TrainedTensor = LlamaTensorNames.OutputWeight(0);

    internal const int WindowSize = 8;

    private readonly List<string> _trained = [];

    /// <summary>The labels of the variants trained, in call order.</summary>
    internal IReadOnlyList<string> Trained
    {
        get { lock (_trained) return _trained.ToArray(); }
    }

    /// <summary>When set, every run fails at this step with QCQA081, as a loss turning NaN would.</summary>
    internal int? DivergesAtStep { get; set; }

    /// <summary>
    /// How the fake resolves <c>auto</c>, as the real one does from the memory plan: null keeps end-to-end. A run whose
    /// resolved mode is end-to-end and whose limit is below <see cref="EndToEndBytes"/> is refused with QCQA061.
    /// </summary>
    internal FineTuneMode? AutoMode { get; set; }

    /// <summary>The fake's end-to-end estimate: a limit below it refuses end-to-end runs.</summary>
    internal long EndToEndBytes { get; set; }

    /// <summary>The modes of the runs, in call order.</summary>
    internal List<FineTuneMode> Modes { get; } = [];

    public string CodeVersion => "fake-finetuner-1";

    public FineTuneMode CheckMemory(string originalFolder, FineTuneSpec spec, string label, Memory.MemoryLimit memory)
    {
        var mode = spec.Mode == FineTuneMode.Auto ? AutoMode ?? FineTuneMode.EndToEnd : spec.Mode;
        if (mode == FineTuneMode.EndToEnd) memory.Check($"Fine-tuning '{label}' (end-to-end)", EndToEndBytes, "the fake's estimate");
        return mode;
    }

    internal void Reset()
    {
        lock (_trained) _trained.Clear();
    }

    public FineTuneReport FineTune(string compressedFolder, string originalFolder, FineTuneSpec spec, string label, string device, Memory.MemoryLimit memory, string outputFolder,
        Action<string> beforeCommit, IProgress<FineTuneStep>? progress, CancellationToken cancellation)
    {
        lock (_trained) _trained.Add(label);
        Modes.Add(spec.Mode);
        var text = File.ReadAllText(spec.TextPath);
        if (text.Length < WindowSize)
            throw new QcqaException(ErrorCodes.BadEvaluationInput, $"The text has {text.Length} tokens, fewer than one window of {WindowSize}.", spec.TextPath);
        var steps = spec.Steps ?? (int)((spec.Tokens!.Value + spec.BatchTokens - 1) / spec.BatchTokens);
        var folder = OutputFolder.Create(outputFolder, originalFolder, compressedFolder);
        try
        {
            foreach (var file in Directory.EnumerateFiles(compressedFolder))
            {
                var name = Path.GetFileName(file);
                if (name == BuildStamp.FileName) continue;
                var target = Path.Combine(folder.Temporary, name);
                if (name.EndsWith(".safetensors", StringComparison.Ordinal)) Train(file, target, spec.LearningRate);
                else File.Copy(file, target);
            }
            for (var step = 1; step <= steps; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                if (step == DivergesAtStep)
                    throw new QcqaException(ErrorCodes.FineTuningDiverged, $"Fine-tuning {label} diverged at step {step} of {steps} (the loss became NaN); nothing was written.");
                progress?.Report(new FineTuneStep(step, steps, 2.0 / step, 1000, steps - step));
            }
            beforeCommit(folder.Temporary);
            folder.Commit(outputFolder);
        }
        catch
        {
            folder.Abandon();
            throw;
        }
        return new FineTuneReport(steps, (long)steps * spec.BatchTokens, 2.0, 2.0 / steps, 0.01);
    }

    // Copies a weights file, with the trained tensor scaled by (1 + learning rate).
    private static void Train(string source, string target, double learningRate)
    {
        using var input = SafetensorsFile.Open(source);
        using var writer = new SafetensorsWriter(target, input.Tensors.Select(TensorDeclaration.Of).ToArray(), input.Metadata);
        foreach (var tensor in input.Tensors)
        {
            if (tensor.Name == TrainedTensor) writer.WriteDoubles(input.ReadAllDoubles(tensor).Select(x => x * (1 + learningRate)).ToArray());
            else writer.CopyTensor(input, tensor);
        }
        writer.Complete();
    }
}
