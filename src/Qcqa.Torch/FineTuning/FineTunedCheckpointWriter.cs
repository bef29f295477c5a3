using System.Runtime.InteropServices;
using System.Text;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Merge;
using Qcqa.Core.Output;
using Qcqa.Torch.Loading;
using static TorchSharp.torch;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// Writes a fine-tuned model as a checkpoint in the same form as the one it was trained from: the same files, the
/// same tensors in each shard with the same names, shapes, dtypes and data order, the same safetensors metadata, and
/// <c>config.json</c> (with its <c>qcqa</c> block) and the shard index copied as they are. Trained tensors are
/// rounded once from float32 to their stored dtype (round to nearest, ties to even); every other tensor is copied
/// byte for byte, so an untrained tensor is bit-identical to the source's.
/// </summary>
/// <remarks>
/// The output is built in a temporary sibling folder and renamed into place when complete (Qcqa.Core's
/// <see cref="OutputFolder"/>); a failure or cancellation removes it, so nothing partial ever appears. The source and
/// teacher folders are never written, and an existing output is replaced only when it is a previous QcqaBuild output.
/// Other files of the source folder are copied as the merger copies them (<see cref="CompanionFiles"/>).
/// </remarks>
public static class FineTunedCheckpointWriter
{
    /// <summary>Writes <paramref name="model"/> into <paramref name="outputFolder"/>.</summary>
    /// <param name="model">The trained model and its source.</param>
    /// <param name="outputFolder">Where the checkpoint goes.</param>
    /// <param name="options">Optional settings.</param>
    /// <param name="cancellation">Checked between tensors and files.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="QcqaException">
    /// QCQA002 when the output path is unusable (the source or teacher folder, inside one, a file, or a folder that is
    /// not QcqaBuild output); QCQA004 when writing fails; QCQA014 when the source checkpoint no longer matches the
    /// model (it changed since training).
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing was written.</exception>
    public static FineTunedCheckpoint Write(FineTunedModel model, string outputFolder, FineTunedWriteOptions? options = null, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(model);
        Preconditions.CheckNotNull(outputFolder);
        var parameters = model.Model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        var trained = model.TrainedTensors.ToDictionary(name => name, name =>
        {
            var parameter = parameters[name];
            return new TrainedTensor(parameter.shape, writer => WriteValues(writer, parameter));
        }, StringComparer.Ordinal);
        return Write(model.SourceFolder, model.TeacherFolder, trained, outputFolder, options, cancellation);
    }

    /// <summary>
    /// Writes the checkpoint of <paramref name="sourceFolder"/> with the tensors named in <paramref name="trained"/>
    /// replaced by the values each one writes (float32, rounded once to the stored dtype); the form of
    /// <see cref="Write(FineTunedModel, string, FineTunedWriteOptions?, CancellationToken)"/>. Layer-wise training uses
    /// it with values spilled to disk, so a large model's trained tensors are never in memory together.
    /// </summary>
    internal static FineTunedCheckpoint Write(string sourceFolder, string? teacherFolder, IReadOnlyDictionary<string, TrainedTensor> trained,
        string outputFolder, FineTunedWriteOptions? options, CancellationToken cancellation)
    {
        options ??= new FineTunedWriteOptions();
        using var source = Checkpoint.Open(sourceFolder);
        CheckTrained(trained, source);
        string[] inputs = teacherFolder is null ? [source.Folder] : [source.Folder, teacherFolder];
        var folder = OutputFolder.Create(outputFolder, inputs);
        try
        {
            return WriteFailures.Run(folder.Target, () => Write(source, trained, folder, outputFolder, options, cancellation));
        }
        catch
        {
            folder.Abandon();
            throw;
        }
    }

    // Every trained tensor must still be in the source with its shape, as a float tensor.
    private static void CheckTrained(IReadOnlyDictionary<string, TrainedTensor> trained, Checkpoint source)
    {
        foreach (var (name, value) in trained)
        {
            if (!source.TryGetTensor(name, out var tensor) || !TensorInfo.ShapesEqual(tensor.Shape, value.Shape) || !tensor.Dtype.IsConvertible())
                throw new QcqaException(ErrorCodes.ShapeMismatch,
                    $"The checkpoint the model was trained from no longer holds tensor '{name}' with shape {TensorInfo.FormatShape(value.Shape)} as a float tensor; it changed since training.",
                    source.WeightsPath);
        }
    }

    private static FineTunedCheckpoint Write(Checkpoint source, IReadOnlyDictionary<string, TrainedTensor> trained, OutputFolder folder, string outputFolder,
        FineTunedWriteOptions options, CancellationToken cancellation)
    {
        long bytes = 0;
        int rewritten = 0, copiedTensors = 0;
        foreach (var file in source.Files)
        {
            var ordered = file.Tensors.OrderBy(t => t.DataBegin).ToArray();
            using var writer = new SafetensorsWriter(Path.Combine(folder.Temporary, Path.GetFileName(file.Path)), ordered.Select(TensorDeclaration.Of).ToArray(), file.Metadata);
            foreach (var tensor in ordered)
            {
                cancellation.ThrowIfCancellationRequested();
                options.BeforeTensor?.Invoke(tensor.Name);
                if (trained.TryGetValue(tensor.Name, out var value))
                {
                    value.Write(writer);
                    rewritten++;
                }
                else
                {
                    writer.CopyTensor(file, tensor);
                    copiedTensors++;
                }
            }
            writer.Complete(options.FlushToDisk);
            bytes += writer.FileLength;
        }

        var copiedFiles = new List<string>();
        foreach (var path in new[] { source.Config.Path, source.Index?.Path })
        {
            if (path is null) continue;
            File.Copy(path, Path.Combine(folder.Temporary, Path.GetFileName(path)));
            copiedFiles.Add(Path.GetRelativePath(source.Folder, path));
        }
        copiedFiles.AddRange(CompanionFiles.Copy(source, folder.Temporary, cancellation).Copied);
        foreach (var (name, text) in options.AdditionalFiles ?? new Dictionary<string, string>())
        {
            var path = Path.Combine(folder.Temporary, Path.GetFileName(name));
            File.Delete(path);
            File.WriteAllText(path, text, new UTF8Encoding(false));
        }
        options.BeforeCommit?.Invoke(folder.Temporary);
        cancellation.ThrowIfCancellationRequested();
        folder.Commit(outputFolder);
        return new FineTunedCheckpoint(folder.Target, rewritten, copiedTensors, bytes, copiedFiles);
    }

    // The parameter's float32 values, read from a CPU copy in bounded runs and converted once to the stored dtype.
    private static void WriteValues(SafetensorsWriter writer, Tensor parameter)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var flat = parameter.detach().to(CPU).contiguous().view(-1);
        var total = flat.shape[0];
        for (long start = 0; start < total; start += ParameterWriter.ChunkElements)
        {
            using var inner = NewDisposeScope();
            var run = flat.narrow(0, start, Math.Min(ParameterWriter.ChunkElements, total - start));
            writer.WriteSingles(MemoryMarshal.Cast<byte, float>(run.bytes));
        }
    }

    /// <summary>A trained tensor: its shape and what writes its float32 values.</summary>
    internal sealed record TrainedTensor(long[] Shape, Action<SafetensorsWriter> Write);
}
