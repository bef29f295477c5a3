using System.Runtime.InteropServices;
using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Native.Elf;

namespace Qcqa.Torch.Native;

/// <summary>
/// Makes a native library that needs a newer libstdc++ than the system's load anyway, when a known symbol redirect
/// covers what is missing: inspects the library and the process's libstdc++, and where needed loads a patched copy
/// (<see cref="LibStdCxxPatch"/>, cached by <see cref="PatchedLibraryCache"/>) after the libraries it depends on.
/// Knows nothing of TorchSharp: the caller says which library and where its shipped dependencies are.
/// </summary>
public static class LibStdCxxCompatibility
{
    /// <summary>Environment variable that disables the patch when set to <c>0</c>, <c>false</c> or <c>off</c>.</summary>
    public const string PatchSwitchVariable = "QCQA_TORCH_NATIVE_PATCH";

    /// <summary>True when <see cref="PatchSwitchVariable"/> turns the patch off.</summary>
    public static bool PatchDisabled =>
        Environment.GetEnvironmentVariable(PatchSwitchVariable)?.Trim().ToLowerInvariant() is "0" or "false" or "off";

    /// <summary>Checks <paramref name="library"/> against this process's libstdc++ and loads a patched copy when it needs one.</summary>
    /// <param name="library">The native library as shipped (never modified).</param>
    /// <param name="findShipped">Finds a library the original names in <c>DT_NEEDED</c> among the app's native files, or null.</param>
    /// <returns>What was found and done; <see cref="NativeFix.Handle"/> is the loaded copy's handle when a patch was applied.</returns>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.RuntimeUnavailable"/>: the library cannot be read, needs versions no patch can remove, or the copy cannot be written or loaded.</exception>
    public static NativeFix Apply(string library, Func<string, string?> findShipped)
    {
        Preconditions.CheckNotNull(library);
        Preconditions.CheckNotNull(findShipped);
        byte[] bytes;
        ElfImage image;
        try
        {
            bytes = File.ReadAllBytes(library);
            image = ElfImage.Parse(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new QcqaException(ErrorCodes.RuntimeUnavailable, $"Cannot read TorchSharp's native library {library}: {e.Message}", library, inner: e);
        }

        var stdcxx = SystemLibStdCxx.LocateLoaded();
        if (stdcxx is null) return new(NativePatchDecision.Decide([], [], []), library, null, null, IntPtr.Zero);
        var provided = SystemLibStdCxx.ProvidedVersions(stdcxx);
        var plan = LibStdCxxPatch.Plan(image, provided);
        switch (plan.Decision.Kind)
        {
            case NativePatchKind.NotNeeded:
                return new(plan.Decision, library, null, stdcxx, IntPtr.Zero);
            case NativePatchKind.Unfixable:
                var newest = provided.Where(v => v.StartsWith("GLIBCXX_", StringComparison.Ordinal)).Max(VersionNameComparer.Instance);
                throw new QcqaException(ErrorCodes.RuntimeUnavailable,
                    $"TorchSharp's native library {library} requires {string.Join(", ", plan.Decision.UnfixableVersions)} from libstdc++, " +
                    $"but this system's {stdcxx} provides versions only up to {newest}. Install a newer libstdc++ (from GCC 13 or later).",
                    library);
        }

        var cache = new PatchedLibraryCache(PatchedLibraryCache.DefaultRoot());
        string patched;
        try
        {
            patched = cache.GetOrCreate(Path.GetFileName(library), bytes, b => plan.Apply(b, provided));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QcqaException(ErrorCodes.RuntimeUnavailable,
                $"Cannot write the patched copy of TorchSharp's native library to {cache.Root}: {e.Message} Set XDG_CACHE_HOME to a writable folder.",
                cache.Root, inner: e);
        }

        PreloadDependencies(image, Path.GetDirectoryName(library)!, findShipped);
        if (!NativeLibrary.TryLoad(patched, out var handle))
            throw new QcqaException(ErrorCodes.RuntimeUnavailable,
                $"The patched copy {patched} of {library} does not load. Set {PatchSwitchVariable}=0 to see TorchSharp's own error.", patched);
        return new(plan.Decision, library, patched, stdcxx, handle);
    }

    /// <summary>
    /// Loads, by full path, every library the original names in <c>DT_NEEDED</c> that ships beside it or in the
    /// app's native folders (libtorch, libc10, …). The copy lives in the cache, where its <c>$ORIGIN</c> run path
    /// finds nothing; with these loaded, the dynamic linker satisfies its needs by soname.
    /// </summary>
    private static void PreloadDependencies(ElfImage image, string originalDirectory, Func<string, string?> findShipped)
    {
        foreach (var needed in image.NeededLibraries())
        {
            var besides = Path.Combine(originalDirectory, needed);
            var path = File.Exists(besides) ? besides : findShipped(needed);
            // Anything not shipped with the app (libc, libstdc++, …) comes from the system as usual.
            if (path is null) continue;
            if (!NativeLibrary.TryLoad(path, out _))
                throw new QcqaException(ErrorCodes.RuntimeUnavailable, $"libtorch's {path} does not load on this system.", path);
        }
    }
}
