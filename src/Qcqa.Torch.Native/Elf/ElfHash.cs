namespace Qcqa.Torch.Native.Elf;

/// <summary>The System V ELF hash, used by <c>vna_hash</c> and <c>vd_hash</c> in symbol versioning.</summary>
internal static class ElfHash
{
    /// <summary>Hashes a name exactly as the System V ABI's <c>elf_hash</c> does (over its bytes, no terminator).</summary>
    public static uint Compute(ReadOnlySpan<byte> name)
    {
        uint h = 0;
        foreach (var b in name)
        {
            h = (h << 4) + b;
            var g = h & 0xf0000000u;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    /// <summary>Hashes an ASCII name.</summary>
    public static uint Compute(string name) => Compute(System.Text.Encoding.ASCII.GetBytes(name));
}
