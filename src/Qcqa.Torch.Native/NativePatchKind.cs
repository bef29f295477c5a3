namespace Qcqa.Torch.Native;

/// <summary>What the runtime set-up must do with <c>libLibTorchSharp.so</c> on this machine.</summary>
public enum NativePatchKind
{
    /// <summary>The system libstdc++ provides every version the library asks for: load the original.</summary>
    NotNeeded,

    /// <summary>Some versions are missing, but only for imports with a known older equivalent: load a patched copy.</summary>
    Patch,

    /// <summary>Versions are missing that no known patch removes: the library cannot load here.</summary>
    Unfixable,
}
