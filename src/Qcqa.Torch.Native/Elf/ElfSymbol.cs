namespace Qcqa.Torch.Native.Elf;

/// <summary>One entry of <c>.dynsym</c>.</summary>
/// <param name="Index">Symbol index (also its index into <c>.gnu.version</c>).</param>
/// <param name="Name">Symbol name read from <c>.dynstr</c>.</param>
/// <param name="NameOffset">Offset of the name in <c>.dynstr</c> (<c>st_name</c>).</param>
/// <param name="SectionIndex"><c>st_shndx</c>; 0 means the symbol is undefined here (an import).</param>
/// <param name="VersionIndex">The symbol's <c>.gnu.version</c> entry without the hidden bit, or 1 when the file has none.</param>
internal sealed record ElfSymbol(int Index, string Name, uint NameOffset, ushort SectionIndex, ushort VersionIndex)
{
    /// <summary>True for imports, which the dynamic linker must find in another object.</summary>
    public bool IsUndefined => SectionIndex == 0;
}
