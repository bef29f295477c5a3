namespace Qcqa.Torch.Native;

/// <summary>
/// A planned rename of a version need that no symbol uses any more. The record stays (removing it would mean
/// rewriting the chain of <c>.gnu.version_r</c>), but it now names a version the system has, so the dynamic
/// linker's check passes.
/// </summary>
/// <param name="AuxFileOffset">File offset of the <c>Elf64_Vernaux</c> record.</param>
/// <param name="OldName">The missing version, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="NewName">A version the system provides and the file already names, e.g. <c>GLIBCXX_3.4.30</c>.</param>
/// <param name="NewNameOffset">Offset of <paramref name="NewName"/> in <c>.dynstr</c> (reused, not added).</param>
internal sealed record PlannedVersionRename(long AuxFileOffset, string OldName, string NewName, uint NewNameOffset);
