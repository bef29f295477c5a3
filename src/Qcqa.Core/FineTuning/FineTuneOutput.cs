namespace Qcqa.Core.FineTuning;

/// <summary>The output of the fine-tuning stage.</summary>
/// <param name="Folder">The fine-tuned checkpoint.</param>
/// <param name="Rebuilt">False when it was already up to date (no training ran).</param>
/// <param name="Identity">Its content identity: the merged checkpoint's, the text's content, the recipe and the code.</param>
/// <param name="Report">What the run did, or null when nothing ran.</param>
/// <param name="Files">The folder's files.</param>
/// <param name="Restored">True when it was rewritten by a copy from the checkpoint cache, not by training.</param>
public sealed record FineTuneOutput(string Folder, bool Rebuilt, string Identity, FineTuneReport? Report, IReadOnlyList<string> Files, bool Restored = false);
