namespace Qcqa.Torch.Native.Elf;

/// <summary>One <c>Elf64_Verneed</c> record of <c>.gnu.version_r</c>: the versions required from one library.</summary>
/// <param name="FileName">The library's name as in <c>DT_NEEDED</c>, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="FileNameOffset">Offset of <paramref name="FileName"/> in <c>.dynstr</c>.</param>
/// <param name="Versions">The <c>Elf64_Vernaux</c> records, in file order.</param>
internal sealed record ElfVersionNeed(string FileName, uint FileNameOffset, IReadOnlyList<ElfVersionNeedAux> Versions);
