using System.Buffers.Binary;
using System.Text;
using Qcqa.Torch.Native.Elf;

namespace Qcqa.Torch.Native;

/// <summary>
/// Makes a shared library loadable with an older libstdc++ by editing symbol versioning only: imports that need a
/// missing version are pointed at older equivalents (<see cref="SymbolRedirect"/>), and the version needs nobody
/// uses any more are renamed to versions the system has. Nothing moves: every edit rewrites bytes in place, so
/// section and segment layout, hash tables and code stay identical.
/// </summary>
internal sealed class LibStdCxxPatch
{
    private const string LibraryPrefix = "libstdc++.so";

    private LibStdCxxPatch(NativePatchDecision decision, IReadOnlyList<PlannedSymbolEdit> symbolEdits, IReadOnlyList<PlannedVersionRename> versionRenames)
    {
        Decision = decision;
        SymbolEdits = symbolEdits;
        VersionRenames = versionRenames;
    }

    /// <summary>Whether the library needs patching on the system the plan was made for.</summary>
    public NativePatchDecision Decision { get; }

    /// <summary>Imports to redirect; empty unless <see cref="Decision"/> is <see cref="NativePatchKind.Patch"/>.</summary>
    public IReadOnlyList<PlannedSymbolEdit> SymbolEdits { get; }

    /// <summary>Version needs to rename; empty unless <see cref="Decision"/> is <see cref="NativePatchKind.Patch"/>.</summary>
    public IReadOnlyList<PlannedVersionRename> VersionRenames { get; }

    /// <summary>The versions <paramref name="image"/> requires from libstdc++ (empty when it does not link it).</summary>
    public static IReadOnlyList<string> RequiredVersions(ElfImage image) =>
        FindNeed(image)?.Versions.Select(v => v.Name).ToArray() ?? [];

    /// <summary>Plans the patch of <paramref name="image"/> for a system whose libstdc++ defines <paramref name="provided"/>.</summary>
    /// <param name="image">The library to patch.</param>
    /// <param name="provided">Version names the system libstdc++ defines.</param>
    /// <param name="redirects">Known redirects; <see cref="SymbolRedirect.Known"/> when null.</param>
    public static LibStdCxxPatch Plan(ElfImage image, IReadOnlyCollection<string> provided, IReadOnlyList<SymbolRedirect>? redirects = null)
    {
        Preconditions.CheckNotNull(image);
        Preconditions.CheckNotNull(provided);
        redirects ??= SymbolRedirect.Known;
        var need = FindNeed(image);
        if (need is null) return new(NativePatchDecision.Decide([], provided, []), [], []);

        var have = provided.ToHashSet(StringComparer.Ordinal);
        var edits = new List<PlannedSymbolEdit>();
        var renames = new List<PlannedVersionRename>();
        var removable = new List<string>();
        foreach (var missing in need.Versions.Where(v => !have.Contains(v.Name)))
        {
            var users = image.DynamicSymbols.Where(s => s.VersionIndex == missing.VersionIndex).ToList();
            var userEdits = users.Select(s => PlanRedirect(image, need, have, redirects, s)).ToList();
            var rename = PlanRename(image, need, have, missing);
            if (rename is null || userEdits.Any(e => e is null)) continue;
            removable.Add(missing.Name);
            edits.AddRange(userEdits!);
            renames.Add(rename);
        }

        var decision = NativePatchDecision.Decide(need.Versions.Select(v => v.Name), provided, removable);
        if (decision.Kind != NativePatchKind.Patch) return new(decision, [], []);
        if (!InPlaceEditsAreSafe(image, edits)) return new(NativePatchDecision.Decide(need.Versions.Select(v => v.Name), provided, []), [], []);
        return new(decision, edits, renames);
    }

    /// <summary>Returns a patched copy of <paramref name="original"/>; the input array is not modified.</summary>
    /// <exception cref="InvalidOperationException">The plan is not a patch, or the result fails its own re-check.</exception>
    public byte[] Apply(byte[] original, IReadOnlyCollection<string> provided)
    {
        Preconditions.CheckNotNull(original);
        if (Decision.Kind != NativePatchKind.Patch) throw new InvalidOperationException($"Nothing to apply: the decision is {Decision.Kind}.");
        var image = ElfImage.Parse(original);
        var bytes = (byte[])original.Clone();
        var span = bytes.AsSpan();
        foreach (var edit in SymbolEdits)
        {
            var entry = checked((int)(image.DynamicSymbolTable.Offset + 24L * edit.SymbolIndex));
            if (edit.ExistingNameOffset is { } existing)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[entry..], existing);
            }
            else
            {
                // Pad with NULs over the whole old name so no stale tail remains readable.
                var at = checked((int)(image.DynamicStrings.Offset + edit.OldNameOffset));
                span.Slice(at, edit.OldName.Length).Clear();
                Encoding.ASCII.GetBytes(edit.NewName).CopyTo(span[at..]);
            }
            var versym = checked((int)(image.VersionSymbols!.Offset + 2L * edit.SymbolIndex));
            var hidden = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(span[versym..]) & 0x8000);
            BinaryPrimitives.WriteUInt16LittleEndian(span[versym..], (ushort)(edit.NewVersionIndex | hidden));
        }
        foreach (var rename in VersionRenames)
        {
            var at = checked((int)rename.AuxFileOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], ElfHash.Compute(rename.NewName));
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 8)..], rename.NewNameOffset);
        }

        var check = ElfImage.Parse(bytes);
        var stillMissing = RequiredVersions(check).Where(v => !provided.Contains(v)).ToArray();
        if (stillMissing.Length > 0)
            throw new InvalidOperationException($"The patched library still requires {string.Join(", ", stillMissing)}.");
        return bytes;
    }

    private static ElfVersionNeed? FindNeed(ElfImage image) =>
        image.VersionNeeds.FirstOrDefault(n => n.FileName.StartsWith(LibraryPrefix, StringComparison.Ordinal));

    private static PlannedSymbolEdit? PlanRedirect(ElfImage image, ElfVersionNeed need, HashSet<string> have, IReadOnlyList<SymbolRedirect> redirects, ElfSymbol symbol)
    {
        var redirect = redirects.FirstOrDefault(r => r.Symbol == symbol.Name);
        if (redirect is null || !symbol.IsUndefined || !have.Contains(redirect.ReplacementVersion)) return null;
        // A relocation would make the replacement's address (and so its behaviour) matter; we only redirect markers.
        if (image.CountRelocationsAgainst(symbol.Index) != 0) return null;
        var target = need.Versions.FirstOrDefault(v => v.Name == redirect.ReplacementVersion);
        if (target is null) return null;
        var existing = image.FindDynamicString(redirect.Replacement);
        if (existing is null && redirect.Replacement.Length > symbol.Name.Length) return null;
        return new(symbol.Index, symbol.Name, redirect.Replacement, symbol.NameOffset, existing, target.VersionIndex);
    }

    private static PlannedVersionRename? PlanRename(ElfImage image, ElfVersionNeed need, HashSet<string> have, ElfVersionNeedAux missing)
    {
        // Reuse the name of a version the file already needs and the system has, so .dynstr gains nothing. Prefer
        // the same family (GLIBCXX_ for GLIBCXX_, CXXABI_ for CXXABI_) and its newest member.
        var family = missing.Name.Split('_')[0];
        var candidate = need.Versions
            .Where(v => have.Contains(v.Name) && v.Name.Split('_')[0] == family)
            .OrderByDescending(v => v.Name, VersionNameComparer.Instance)
            .FirstOrDefault();
        return candidate is null ? null : new(missing.FileOffset, missing.Name, candidate.Name, candidate.NameOffset);
    }

    private static bool InPlaceEditsAreSafe(ElfImage image, List<PlannedSymbolEdit> edits)
    {
        var references = image.DynamicStringReferences();
        foreach (var edit in edits.Where(e => e.ExistingNameOffset is null))
        {
            var start = edit.OldNameOffset;
            var end = start + (uint)edit.OldName.Length;
            foreach (var reference in references)
            {
                if (reference.Offset < start || reference.Offset > end) continue;
                // The only readers allowed are symbols that get the same rewrite (a duplicated import).
                var sameEdit = edits.Any(e => e.SymbolIndex == reference.SymbolIndex && e.OldNameOffset == reference.Offset && e.NewName == edit.NewName);
                if (!sameEdit) return false;
            }
        }
        return true;
    }
}
