namespace Qcqa.Torch.Native.Elf;

/// <summary>One <c>Elf64_Vernaux</c> record: a single required version such as <c>GLIBCXX_3.4.30</c>.</summary>
/// <param name="FileOffset">File offset of the record itself, so a patch can rewrite it in place.</param>
/// <param name="Name">Version name.</param>
/// <param name="NameOffset">Offset of <paramref name="Name"/> in <c>.dynstr</c> (<c>vna_name</c>).</param>
/// <param name="Hash">SysV ELF hash of the name (<c>vna_hash</c>); the dynamic linker compares it before the name.</param>
/// <param name="Flags"><c>vna_flags</c>, e.g. 2 for a weak requirement.</param>
/// <param name="VersionIndex">The index symbols use in <c>.gnu.version</c> to refer to this version (<c>vna_other</c>).</param>
internal sealed record ElfVersionNeedAux(long FileOffset, string Name, uint NameOffset, uint Hash, ushort Flags, ushort VersionIndex);
