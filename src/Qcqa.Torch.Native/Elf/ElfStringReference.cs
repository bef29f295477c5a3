namespace Qcqa.Torch.Native.Elf;

/// <summary>A place in the file that points into <c>.dynstr</c>.</summary>
/// <param name="Owner">What points there, for messages (e.g. <c>version need GLIBCXX_3.4</c>).</param>
/// <param name="Offset">The offset into <c>.dynstr</c>.</param>
/// <param name="SymbolIndex">The <c>.dynsym</c> index when a symbol name points there, else -1.</param>
internal sealed record ElfStringReference(string Owner, uint Offset, int SymbolIndex = -1);
