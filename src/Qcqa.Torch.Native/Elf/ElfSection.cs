namespace Qcqa.Torch.Native.Elf;

/// <summary>One ELF64 section header, with its name already resolved.</summary>
/// <param name="Index">Position in the section header table.</param>
/// <param name="Name">Name from the section-name string table, e.g. <c>.dynstr</c>.</param>
/// <param name="Type">Section type (<c>sh_type</c>).</param>
/// <param name="Offset">File offset of the section's bytes.</param>
/// <param name="Size">Size in bytes (ignored in the file for <c>SHT_NOBITS</c>).</param>
/// <param name="Link">Index of the associated section (<c>sh_link</c>), e.g. a symbol table's string table.</param>
/// <param name="Info">Extra information (<c>sh_info</c>), e.g. the number of version-need entries.</param>
/// <param name="EntrySize">Size of one entry for tables, else 0.</param>
internal sealed record ElfSection(int Index, string Name, uint Type, long Offset, long Size, int Link, uint Info, long EntrySize)
{
    /// <summary><c>SHT_STRTAB</c>.</summary>
    public const uint TypeStringTable = 3;
    /// <summary><c>SHT_RELA</c>.</summary>
    public const uint TypeRela = 4;
    /// <summary><c>SHT_DYNAMIC</c>.</summary>
    public const uint TypeDynamic = 6;
    /// <summary><c>SHT_REL</c>.</summary>
    public const uint TypeRel = 9;
    /// <summary><c>SHT_DYNSYM</c>.</summary>
    public const uint TypeDynamicSymbols = 11;
    /// <summary><c>SHT_GNU_verdef</c> (<c>.gnu.version_d</c>).</summary>
    public const uint TypeVersionDefinitions = 0x6ffffffd;
    /// <summary><c>SHT_GNU_verneed</c> (<c>.gnu.version_r</c>).</summary>
    public const uint TypeVersionNeeds = 0x6ffffffe;
    /// <summary><c>SHT_GNU_versym</c> (<c>.gnu.version</c>).</summary>
    public const uint TypeVersionSymbols = 0x6fffffff;
}
