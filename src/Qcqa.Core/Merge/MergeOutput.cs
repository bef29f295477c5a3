namespace Qcqa.Core.Merge;

/// <summary>The output of the build's merge stage.</summary>
/// <param name="Folder">The variant's folder.</param>
/// <param name="Rebuilt">True when the checkpoint was (re)written, false when it was already up to date.</param>
/// <param name="Files">Every file now in the folder (full paths), written now or already current.</param>
/// <param name="Restored">True when it was rewritten by a copy from the checkpoint cache, not by merging.</param>
public sealed record MergeOutput(string Folder, bool Rebuilt, IReadOnlyList<string> Files, bool Restored = false);
