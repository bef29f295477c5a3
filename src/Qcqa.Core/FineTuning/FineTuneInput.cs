using Qcqa.Core.Merge;
using Qcqa.Core.Spec;

namespace Qcqa.Core.FineTuning;

/// <summary>The input of the fine-tuning stage.</summary>
/// <param name="Label"><c>model/variant</c>, for logs and messages.</param>
/// <param name="Merge">The merge that produces the checkpoint to train, into a folder of its own (run only when training is needed).</param>
/// <param name="OriginalFolder">The original model (tokenizer; teacher of distillation).</param>
/// <param name="Spec">The recipe.</param>
/// <param name="OutputFolder">The variant's folder.</param>
/// <param name="MergedIdentity">The content identity of the merged checkpoint (what training starts from).</param>
/// <param name="Device">Where training runs.</param>
/// <param name="Memory">The build's memory limit, which decides an <c>auto</c> mode and refuses a run that cannot fit.</param>
public sealed record FineTuneInput(string Label, MergeInput Merge, string OriginalFolder, FineTuneSpec Spec, string OutputFolder,
    string MergedIdentity, DeviceKind Device, Memory.MemoryLimit Memory);
