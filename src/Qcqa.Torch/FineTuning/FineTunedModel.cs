using Qcqa.Torch.Llama;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// The outcome of <see cref="FineTuner.Train"/>: the trained model (float32, in eval mode, on the training device),
/// where it came from, which of its tensors changed, and the run's figures. <see cref="FineTunedCheckpointWriter"/>
/// writes it in the form of <see cref="SourceFolder"/>. Dispose it to free the model.
/// </summary>
public sealed class FineTunedModel : IDisposable
{
    internal FineTunedModel(LlamaModel model, string sourceFolder, string? teacherFolder, IReadOnlySet<string> trainedTensors, FineTuningResult result)
    {
        Model = model;
        SourceFolder = sourceFolder;
        TeacherFolder = teacherFolder;
        TrainedTensors = trainedTensors;
        Result = result;
    }

    /// <summary>The trained model; its parameter names are the checkpoint's tensor names.</summary>
    public LlamaModel Model { get; }

    /// <summary>The checkpoint folder the model was loaded from (full path), whose form, files and untrained tensors the writer keeps.</summary>
    public string SourceFolder { get; }

    /// <summary>The teacher's folder (full path) of a distillation run, else null; the writer never writes into it.</summary>
    public string? TeacherFolder { get; }

    /// <summary>The names of the tensors that were trained; every other tensor is bit-identical to the source's.</summary>
    public IReadOnlySet<string> TrainedTensors { get; }

    /// <summary>What the run did.</summary>
    public FineTuningResult Result { get; }

    /// <summary>Frees the model.</summary>
    public void Dispose() => Model.Dispose();
}
