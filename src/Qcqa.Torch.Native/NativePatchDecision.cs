namespace Qcqa.Torch.Native;

/// <summary>The outcome of comparing the libstdc++ versions a library requires with those the system provides.</summary>
/// <param name="Kind">Whether to load the original, a patched copy, or give up.</param>
/// <param name="MissingVersions">Required versions the system lacks, sorted; empty when <see cref="NativePatchKind.NotNeeded"/>.</param>
/// <param name="UnfixableVersions">The subset of <paramref name="MissingVersions"/> no patch can remove; non-empty only when <see cref="NativePatchKind.Unfixable"/>.</param>
public sealed record NativePatchDecision(
    NativePatchKind Kind,
    IReadOnlyList<string> MissingVersions,
    IReadOnlyList<string> UnfixableVersions)
{
    /// <summary>
    /// Decides whether a patch is needed. Pure, so it can be tested with made-up version lists.
    /// </summary>
    /// <param name="required">Versions the library requires from libstdc++ (its <c>.gnu.version_r</c> entries).</param>
    /// <param name="provided">Versions the system libstdc++ defines (its <c>.gnu.version_d</c> entries).</param>
    /// <param name="removable">Required versions that only imports with a known replacement use, so a patch can drop them.</param>
    public static NativePatchDecision Decide(IEnumerable<string> required, IEnumerable<string> provided, IEnumerable<string> removable)
    {
        Preconditions.CheckNotNull(required);
        Preconditions.CheckNotNull(provided);
        Preconditions.CheckNotNull(removable);
        var have = provided.ToHashSet(StringComparer.Ordinal);
        var canRemove = removable.ToHashSet(StringComparer.Ordinal);
        var missing = required.Distinct(StringComparer.Ordinal).Where(v => !have.Contains(v)).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length == 0) return new(NativePatchKind.NotNeeded, [], []);
        var unfixable = missing.Where(v => !canRemove.Contains(v)).ToArray();
        return unfixable.Length == 0
            ? new(NativePatchKind.Patch, missing, [])
            : new(NativePatchKind.Unfixable, missing, unfixable);
    }
}
