namespace Qcqa.Core.Statistics;

/// <summary>The aligned fitness of a model's layers: what the search minimises when the merge is aligned.</summary>
/// <param name="Grams">Per layer, the pseudo-Gram matrix whose Gram-form WSE of a group is its pairwise aligned-merge error.</param>
/// <param name="LayerContents">Per layer, the content hash of its whole attention (cached fronts are keyed by it).</param>
/// <param name="Identity">The fitness's identity in cache keys: calibration and engine code.</param>
public sealed record AlignedStatistics(IReadOnlyList<GramMatrix> Grams, IReadOnlyList<string> LayerContents, string Identity);
