namespace Qcqa.Torch.FineTuning;

/// <summary>What <see cref="FineTunedCheckpointWriter.Write(FineTunedModel, string, FineTunedWriteOptions?, CancellationToken)"/> wrote.</summary>
/// <param name="Folder">The finished output folder (full path).</param>
/// <param name="RewrittenTensors">Tensors written from the trained float32 values (rounded once to their stored dtype).</param>
/// <param name="CopiedTensors">Tensors copied byte for byte from the source (not trained).</param>
/// <param name="WeightBytesWritten">Total size of the safetensors files written.</param>
/// <param name="CopiedFiles">Other files copied from the source folder (paths relative to it), <c>config.json</c> and the shard index included.</param>
public sealed record FineTunedCheckpoint(string Folder, int RewrittenTensors, int CopiedTensors, long WeightBytesWritten, IReadOnlyList<string> CopiedFiles);
