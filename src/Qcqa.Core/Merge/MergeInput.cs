using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Merge;

/// <summary>The input of the build's merge stage.</summary>
/// <param name="Checkpoint">The open input model (never modified).</param>
/// <param name="Grouping">The allocation stage's grouping.</param>
/// <param name="OutputFolder">The variant's folder (full path).</param>
/// <param name="Recipe">
/// What besides the grouping decides the output's bytes (merge method, calibration identity, engine code), recorded in the
/// up-to-date stamp; empty for the paper's mean merge.
/// </param>
/// <param name="Projections">The aligned merge's projections per layer, or null to mean-pool.</param>
/// <param name="ContentIdentity">
/// The checkpoint's content identity (<see cref="Cache.CacheKeys.VariantContent"/>), asked for only when the folder is not
/// up to date (it hashes the input model once per build), which keys it in the checkpoint cache; null keeps it out of the
/// cache (the merged checkpoint a fine-tuned variant starts from already lives there).
/// </param>
public sealed record MergeInput(Checkpoint Checkpoint, ModelGrouping Grouping, string OutputFolder, string Recipe = "",
    Func<int, MergedProjections?>? Projections = null, Func<string>? ContentIdentity = null);
