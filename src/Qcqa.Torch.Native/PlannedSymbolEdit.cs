namespace Qcqa.Torch.Native;

/// <summary>A planned redirect of one import to another name and version.</summary>
/// <param name="SymbolIndex">Index in <c>.dynsym</c> (and <c>.gnu.version</c>).</param>
/// <param name="OldName">The import's current name.</param>
/// <param name="NewName">The name it will import instead.</param>
/// <param name="OldNameOffset">Where <paramref name="OldName"/> starts in <c>.dynstr</c>.</param>
/// <param name="ExistingNameOffset">
/// Where <paramref name="NewName"/> can already be read in <c>.dynstr</c>, or null when the old name's bytes are
/// overwritten in place (only planned when the new name fits and nothing else points into the old one).
/// </param>
/// <param name="NewVersionIndex">The <c>.gnu.version</c> index of the replacement's version need.</param>
internal sealed record PlannedSymbolEdit(
    int SymbolIndex, string OldName, string NewName, uint OldNameOffset, uint? ExistingNameOffset, ushort NewVersionIndex);
