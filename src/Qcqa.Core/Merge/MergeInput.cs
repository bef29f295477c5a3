using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Merge;

/// <summary>The input of the build's merge stage.</summary>
/// <param name="Checkpoint">The open input model (never modified).</param>
/// <param name="Grouping">The allocation stage's grouping.</param>
/// <param name="OutputFolder">The variant's folder (full path).</param>
public sealed record MergeInput(Checkpoint Checkpoint, ModelGrouping Grouping, string OutputFolder);
