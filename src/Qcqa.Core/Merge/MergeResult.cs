namespace Qcqa.Core.Merge;

/// <summary>What <see cref="CheckpointMerger.Merge"/> wrote.</summary>
/// <param name="OutputFolder">The finished output folder.</param>
/// <param name="Form">Standard GQA, or per-layer maps.</param>
/// <param name="KvHeadsPerLayer">G_l of every layer of the output.</param>
/// <param name="KvCacheBytesPerTokenBefore">KV-cache bytes per token of the input.</param>
/// <param name="KvCacheBytesPerTokenAfter">KV-cache bytes per token of the output.</param>
/// <param name="WeightBytesWritten">Total size of the safetensors files written.</param>
/// <param name="CopiedFiles">Other files copied from the input folder (paths relative to it).</param>
/// <param name="SkippedFiles">Files of the input folder deliberately not copied (stale weights in other formats).</param>
public sealed record MergeResult(
    string OutputFolder,
    MergeForm Form,
    IReadOnlyList<int> KvHeadsPerLayer,
    long KvCacheBytesPerTokenBefore,
    long KvCacheBytesPerTokenAfter,
    long WeightBytesWritten,
    IReadOnlyList<string> CopiedFiles,
    IReadOnlyList<string> SkippedFiles);
