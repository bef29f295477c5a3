using System.Buffers.Binary;
using System.Text;

namespace Qcqa.Torch.Native.Elf;

/// <summary>
/// A read-only view of a little-endian ELF64 shared object: just the parts symbol versioning needs (section
/// headers, <c>.dynsym</c>, <c>.dynstr</c>, <c>.gnu.version</c>, <c>.gnu.version_r</c>, <c>.gnu.version_d</c>,
/// dynamic relocations and <c>.dynamic</c>). It reads section headers rather than program headers because every
/// shared library we patch keeps them, and they name the version sections directly.
/// </summary>
/// <remarks>Every offset is bounds-checked; a malformed file raises <see cref="InvalidDataException"/>.</remarks>
internal sealed class ElfImage
{
    private const int SymbolSize = 24;
    private const ushort HiddenVersionBit = 0x8000;

    private readonly byte[] _bytes;

    private ElfImage(byte[] bytes, IReadOnlyList<ElfSection> sections)
    {
        _bytes = bytes;
        Sections = sections;
        DynamicSymbolTable = Single(ElfSection.TypeDynamicSymbols)
            ?? throw new InvalidDataException("The ELF file has no .dynsym section.");
        DynamicStrings = SectionAt(DynamicSymbolTable.Link);
        VersionSymbols = Single(ElfSection.TypeVersionSymbols);
        VersionNeedSection = Single(ElfSection.TypeVersionNeeds);
        VersionDefinitionSection = Single(ElfSection.TypeVersionDefinitions);
        DynamicSymbols = ReadDynamicSymbols();
        VersionNeeds = ReadVersionNeeds();
        VersionDefinitions = ReadVersionDefinitions();
    }

    /// <summary>All section headers, in table order.</summary>
    public IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>The <c>.dynsym</c> section.</summary>
    public ElfSection DynamicSymbolTable { get; }

    /// <summary>The string table <c>.dynsym</c> links to (normally <c>.dynstr</c>).</summary>
    public ElfSection DynamicStrings { get; }

    /// <summary><c>.gnu.version</c>, or null when the file carries no symbol versions.</summary>
    public ElfSection? VersionSymbols { get; }

    /// <summary><c>.gnu.version_r</c>, or null when the file requires no versions.</summary>
    public ElfSection? VersionNeedSection { get; }

    /// <summary><c>.gnu.version_d</c>, or null when the file defines no versions.</summary>
    public ElfSection? VersionDefinitionSection { get; }

    /// <summary>Every dynamic symbol, index 0 (the null symbol) included.</summary>
    public IReadOnlyList<ElfSymbol> DynamicSymbols { get; }

    /// <summary>The version requirements, one record per library.</summary>
    public IReadOnlyList<ElfVersionNeed> VersionNeeds { get; }

    /// <summary>The version names this file defines (for <c>libstdc++.so.6</c>: <c>GLIBCXX_3.4</c> … ), the base name excluded.</summary>
    public IReadOnlyList<string> VersionDefinitions { get; }

    /// <summary>Parses an ELF64 little-endian image held in memory. The array is not copied: do not modify it afterwards.</summary>
    /// <exception cref="InvalidDataException">Not an ELF64 little-endian file, or a header points outside it.</exception>
    public static ElfImage Parse(byte[] bytes)
    {
        Preconditions.CheckNotNull(bytes);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

        var span = bytes.AsSpan();
        var sectionTableOffset = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]));
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3a..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3e..]);
        if (sectionTableOffset == 0 || count == 0)
            throw new InvalidDataException("The ELF file has no section headers.");
        if (entrySize < 64 || namesIndex >= count)
            throw new InvalidDataException("The ELF section header table is malformed.");
        CheckRange(bytes, sectionTableOffset, (long)entrySize * count);

        var raw = new (uint Name, uint Type, long Offset, long Size, int Link, uint Info, long EntrySize)[count];
        for (var i = 0; i < count; i++)
        {
            var h = span.Slice(checked((int)(sectionTableOffset + (long)i * entrySize)), 64);
            raw[i] = (BinaryPrimitives.ReadUInt32LittleEndian(h),
                BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),
                checked((long)BinaryPrimitives.ReadUInt64LittleEndian(h[24..])),
                checked((long)BinaryPrimitives.ReadUInt64LittleEndian(h[32..])),
                checked((int)BinaryPrimitives.ReadUInt32LittleEndian(h[40..])),
                BinaryPrimitives.ReadUInt32LittleEndian(h[44..]),
                checked((long)BinaryPrimitives.ReadUInt64LittleEndian(h[56..])));
        }

        var names = raw[namesIndex];
        CheckRange(bytes, names.Offset, names.Size);
        var sections = new ElfSection[count];
        for (var i = 0; i < count; i++)
        {
            var r = raw[i];
            var name = r.Name < names.Size ? ReadCString(bytes, names.Offset, names.Size, r.Name) : "";
            // SHT_NOBITS (.bss) occupies no file bytes, so only check sections that do.
            if (r.Type != 8 && r.Type != 0) CheckRange(bytes, r.Offset, r.Size);
            sections[i] = new ElfSection(i, name, r.Type, r.Offset, r.Size, r.Link, r.Info, r.EntrySize);
        }
        return new ElfImage(bytes, sections);
    }

    /// <summary>Reads the NUL-terminated string at <paramref name="offset"/> of <c>.dynstr</c>.</summary>
    public string ReadDynamicString(uint offset) =>
        ReadCString(_bytes, DynamicStrings.Offset, DynamicStrings.Size, offset);

    /// <summary>
    /// Finds an offset in <c>.dynstr</c> at which <paramref name="value"/> can be read as a NUL-terminated string,
    /// including as the tail of a longer string (linkers merge suffixes the same way).
    /// </summary>
    /// <returns>The offset, or null when the bytes do not occur.</returns>
    public uint? FindDynamicString(string value)
    {
        var needle = Encoding.ASCII.GetBytes(value + "\0");
        var table = _bytes.AsSpan(checked((int)DynamicStrings.Offset), checked((int)DynamicStrings.Size));
        var at = table.IndexOf(needle);
        return at < 0 ? null : (uint)at;
    }

    /// <summary>
    /// Every place that points into <c>.dynstr</c> (symbol names, needed-library and version names, and string
    /// entries of <c>.dynamic</c> such as <c>DT_NEEDED</c> and <c>DT_RUNPATH</c>), as offsets into the table.
    /// A patch that rewrites bytes of the table in place uses this to prove nothing else reads those bytes.
    /// </summary>
    public IReadOnlyList<ElfStringReference> DynamicStringReferences()
    {
        var refs = new List<ElfStringReference>();
        foreach (var s in DynamicSymbols) refs.Add(new($"symbol {s.Name}", s.NameOffset, s.Index));
        foreach (var need in VersionNeeds)
        {
            refs.Add(new($"version need file {need.FileName}", need.FileNameOffset));
            foreach (var aux in need.Versions) refs.Add(new($"version need {aux.Name}", aux.NameOffset));
        }
        // Version definitions name strings of their own string table; only count them when that is .dynstr.
        if (VersionDefinitionSection?.Link == DynamicStrings.Index)
            foreach (var offset in VersionDefinitionNameOffsets()) refs.Add(new("version definition", offset));
        foreach (var offset in DynamicEntryStringOffsets()) refs.Add(new("dynamic entry", offset));
        return refs;
    }

    /// <summary>The <c>DT_NEEDED</c> entries: the libraries the dynamic linker loads before this one, in order.</summary>
    public IReadOnlyList<string> NeededLibraries() =>
        DynamicEntries().Where(e => e.Tag == 1).Select(e => ReadDynamicString(checked((uint)e.Value))).ToArray();

    /// <summary>Counts the dynamic relocations (<c>.rela.*</c>/<c>.rel.*</c> linked to <c>.dynsym</c>) that use a symbol.</summary>
    public int CountRelocationsAgainst(int symbolIndex)
    {
        var n = 0;
        foreach (var section in Sections)
        {
            if ((section.Type != ElfSection.TypeRela && section.Type != ElfSection.TypeRel) || section.Link != DynamicSymbolTable.Index)
                continue;
            var size = section.Type == ElfSection.TypeRela ? 24 : 16;
            for (long at = section.Offset; at + size <= section.Offset + section.Size; at += size)
            {
                var info = BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(checked((int)(at + 8))));
                if ((long)(info >> 32) == symbolIndex) n++;
            }
        }
        return n;
    }

    private ElfSection? Single(uint type)
    {
        ElfSection? found = null;
        foreach (var s in Sections)
        {
            if (s.Type != type) continue;
            if (found is not null) throw new InvalidDataException($"The ELF file has two sections of type 0x{type:x}.");
            found = s;
        }
        return found;
    }

    private ElfSection SectionAt(int index) =>
        index > 0 && index < Sections.Count
            ? Sections[index]
            : throw new InvalidDataException($"Section link {index} is out of range.");

    private List<ElfSymbol> ReadDynamicSymbols()
    {
        var table = DynamicSymbolTable;
        var count = checked((int)(table.Size / SymbolSize));
        if (VersionSymbols is not null && VersionSymbols.Size < 2L * count)
            throw new InvalidDataException(".gnu.version is shorter than .dynsym.");
        var symbols = new List<ElfSymbol>(count);
        for (var i = 0; i < count; i++)
        {
            var entry = _bytes.AsSpan(checked((int)(table.Offset + (long)i * SymbolSize)), SymbolSize);
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            var sectionIndex = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
            ushort version = 1;
            if (VersionSymbols is not null)
            {
                version = BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(checked((int)(VersionSymbols.Offset + 2L * i))));
                version &= unchecked((ushort)~HiddenVersionBit);
            }
            symbols.Add(new ElfSymbol(i, ReadDynamicString(nameOffset), nameOffset, sectionIndex, version));
        }
        return symbols;
    }

    private List<ElfVersionNeed> ReadVersionNeeds()
    {
        var needs = new List<ElfVersionNeed>();
        var section = VersionNeedSection;
        if (section is null) return needs;
        long at = section.Offset;
        // sh_info holds the record count; it also bounds the walk if a vn_next chain is corrupt.
        for (var i = 0; i < section.Info; i++)
        {
            var record = Slice(at, 16, section);
            var count = BinaryPrimitives.ReadUInt16LittleEndian(record[2..]);
            var fileOffset = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
            var auxDelta = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
            var next = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
            var versions = new List<ElfVersionNeedAux>(count);
            long auxAt = at + auxDelta;
            for (var j = 0; j < count; j++)
            {
                var aux = Slice(auxAt, 16, section);
                var hash = BinaryPrimitives.ReadUInt32LittleEndian(aux);
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(aux[4..]);
                var other = BinaryPrimitives.ReadUInt16LittleEndian(aux[6..]);
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(aux[8..]);
                versions.Add(new ElfVersionNeedAux(auxAt, ReadDynamicString(nameOffset), nameOffset, hash, flags, other));
                var auxNext = BinaryPrimitives.ReadUInt32LittleEndian(aux[12..]);
                if (auxNext == 0) break;
                auxAt += auxNext;
            }
            needs.Add(new ElfVersionNeed(ReadDynamicString(fileOffset), fileOffset, versions));
            if (next == 0) break;
            at += next;
        }
        return needs;
    }

    private List<string> ReadVersionDefinitions()
    {
        var section = VersionDefinitionSection;
        if (section is null) return [];
        const ushort baseFlag = 1; // VER_FLG_BASE names the file itself, not a version
        // The first Verdaux of a definition is the version's own name; later ones name its parents.
        return WalkVersionDefinitions(section)
            .Where(d => (d.Flags & baseFlag) == 0 && d.NameOffsets.Count > 0)
            .Select(d => ReadString(section, d.NameOffsets[0]))
            .ToList();
    }

    private IEnumerable<uint> VersionDefinitionNameOffsets() =>
        VersionDefinitionSection is null ? [] : WalkVersionDefinitions(VersionDefinitionSection).SelectMany(d => d.NameOffsets);

    private List<(ushort Flags, List<uint> NameOffsets)> WalkVersionDefinitions(ElfSection section)
    {
        var result = new List<(ushort, List<uint>)>();
        long at = section.Offset;
        for (var i = 0; i < section.Info; i++)
        {
            var record = Slice(at, 20, section);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(record[2..]);
            var count = BinaryPrimitives.ReadUInt16LittleEndian(record[6..]);
            var auxDelta = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
            var next = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
            var names = new List<uint>(count);
            long auxAt = at + auxDelta;
            for (var j = 0; j < count; j++)
            {
                var aux = Slice(auxAt, 8, section);
                names.Add(BinaryPrimitives.ReadUInt32LittleEndian(aux));
                var auxNext = BinaryPrimitives.ReadUInt32LittleEndian(aux[4..]);
                if (auxNext == 0) break;
                auxAt += auxNext;
            }
            result.Add((flags, names));
            if (next == 0) break;
            at += next;
        }
        return result;
    }

    // DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH, DT_AUXILIARY, DT_FILTER carry .dynstr offsets.
    private IEnumerable<uint> DynamicEntryStringOffsets() =>
        DynamicEntries().Where(e => e.Tag is 1 or 14 or 15 or 29 or 0x7ffffffd or 0x7fffffff).Select(e => checked((uint)e.Value));

    private List<(long Tag, ulong Value)> DynamicEntries()
    {
        var entries = new List<(long, ulong)>();
        var dynamic = Sections.FirstOrDefault(s => s.Type == ElfSection.TypeDynamic);
        if (dynamic is null || dynamic.Link != DynamicStrings.Index) return entries;
        for (long at = dynamic.Offset; at + 16 <= dynamic.Offset + dynamic.Size; at += 16)
        {
            var entry = _bytes.AsSpan(checked((int)at), 16);
            var tag = BinaryPrimitives.ReadInt64LittleEndian(entry);
            if (tag == 0) break; // DT_NULL ends the table
            entries.Add((tag, BinaryPrimitives.ReadUInt64LittleEndian(entry[8..])));
        }
        return entries;
    }

    private string ReadString(ElfSection section, uint offset)
    {
        var strings = SectionAt(section.Link);
        return ReadCString(_bytes, strings.Offset, strings.Size, offset);
    }

    private ReadOnlySpan<byte> Slice(long at, int length, ElfSection within)
    {
        if (at < within.Offset || at + length > within.Offset + within.Size)
            throw new InvalidDataException($"A record of {within.Name} points outside the section.");
        return _bytes.AsSpan(checked((int)at), length);
    }

    private static string ReadCString(byte[] bytes, long tableOffset, long tableSize, uint offset)
    {
        if (offset >= tableSize) throw new InvalidDataException($"String offset {offset} is outside its table.");
        var span = bytes.AsSpan(checked((int)(tableOffset + offset)), checked((int)(tableSize - offset)));
        var end = span.IndexOf((byte)0);
        if (end < 0) throw new InvalidDataException("A string table entry is not NUL-terminated.");
        return Encoding.ASCII.GetString(span[..end]);
    }

    private static void CheckRange(byte[] bytes, long offset, long size)
    {
        if (offset < 0 || size < 0 || offset + size > bytes.Length)
            throw new InvalidDataException("An ELF header points outside the file.");
    }
}
