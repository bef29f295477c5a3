using System.Buffers.Binary;
using Qcqa.Torch.Native;
using Qcqa.Torch.Native.Elf;
using Xunit;

namespace Qcqa.Torch.Tests.Native;

/// <summary>Patches the real <c>libLibTorchSharp.so</c> in memory and reads the result back with our own ELF reader.</summary>
public sealed class LibStdCxxPatchTests
{
    private const string MarkerImport = "_ZSt21ios_base_library_initv";
    private static readonly IReadOnlyList<string> Gcc12 = LibStdCxxVersions.UpTo(30);

    private static byte[] Original() => File.ReadAllBytes(NativeTestFiles.LibTorchSharp());

    [Fact]
    public void TheShippedLibraryNeedsGlibcxx3432ForExactlyOneImport()
    {
        var image = ElfImage.Parse(Original());
        var need = image.VersionNeeds.Single(n => n.FileName == "libstdc++.so.6");
        var v32 = need.Versions.Single(v => v.Name == "GLIBCXX_3.4.32");

        var users = image.DynamicSymbols.Where(s => s.VersionIndex == v32.VersionIndex).ToList();

        Assert.Equal(MarkerImport, Assert.Single(users).Name);
        Assert.True(users[0].IsUndefined);
        Assert.Equal(0, image.CountRelocationsAgainst(users[0].Index));
    }

    [Fact]
    public void GivenGcc12ThePatchedCopyRequiresNoMissingVersion()
    {
        var original = Original();
        var plan = LibStdCxxPatch.Plan(ElfImage.Parse(original), Gcc12);

        var patched = ElfImage.Parse(plan.Apply(original, Gcc12));

        Assert.Equal(NativePatchKind.Patch, plan.Decision.Kind);
        var required = LibStdCxxPatch.RequiredVersions(patched);
        Assert.DoesNotContain("GLIBCXX_3.4.32", required);
        Assert.All(required, v => Assert.Contains(v, Gcc12));
        Assert.DoesNotContain(patched.DynamicSymbols, s => s.Name == MarkerImport);
    }

    [Fact]
    public void ThePatchedImportIsIosBaseInitAtVersionGlibcxx34()
    {
        var original = Original();
        var before = ElfImage.Parse(original);
        var index = before.DynamicSymbols.Single(s => s.Name == MarkerImport).Index;
        var plan = LibStdCxxPatch.Plan(before, Gcc12);

        var after = ElfImage.Parse(plan.Apply(original, Gcc12));

        var symbol = after.DynamicSymbols[index];
        Assert.Equal("_ZNSt8ios_base4InitC1Ev", symbol.Name);
        var version = after.VersionNeeds.SelectMany(n => n.Versions).Single(v => v.VersionIndex == symbol.VersionIndex);
        Assert.Equal("GLIBCXX_3.4", version.Name);
    }

    [Fact]
    public void TheRenamedVersionNeedCarriesTheHashOfItsNewName()
    {
        var original = Original();
        var plan = LibStdCxxPatch.Plan(ElfImage.Parse(original), Gcc12);

        var after = ElfImage.Parse(plan.Apply(original, Gcc12));

        var rename = Assert.Single(plan.VersionRenames);
        Assert.Equal("GLIBCXX_3.4.32", rename.OldName);
        Assert.Equal("GLIBCXX_3.4.30", rename.NewName);
        foreach (var aux in after.VersionNeeds.SelectMany(n => n.Versions))
            Assert.Equal(ElfHash.Compute(aux.Name), aux.Hash);
    }

    [Fact]
    public void OnlyTheNameTheVersionEntryAndTheVersionNeedChange()
    {
        var original = Original();
        var image = ElfImage.Parse(original);
        var plan = LibStdCxxPatch.Plan(image, Gcc12);
        var edit = Assert.Single(plan.SymbolEdits);
        var rename = Assert.Single(plan.VersionRenames);

        var patched = plan.Apply(original, Gcc12);

        var nameStart = image.DynamicStrings.Offset + edit.OldNameOffset;
        var versym = image.VersionSymbols!.Offset + 2L * edit.SymbolIndex;
        Assert.Equal(original.Length, patched.Length);
        for (long i = 0; i < original.Length; i++)
        {
            if (original[i] == patched[i]) continue;
            var allowed = (i >= nameStart && i < nameStart + edit.OldName.Length)
                || (i >= versym && i < versym + 2)
                || (i >= rename.AuxFileOffset && i < rename.AuxFileOffset + 4)       // vna_hash
                || (i >= rename.AuxFileOffset + 8 && i < rename.AuxFileOffset + 12); // vna_name
            Assert.True(allowed, $"Unexpected change at file offset 0x{i:x}.");
        }
    }

    [Fact]
    public void TheOriginalArrayIsLeftUntouched()
    {
        var original = Original();
        var copy = (byte[])original.Clone();
        var plan = LibStdCxxPatch.Plan(ElfImage.Parse(original), Gcc12);

        plan.Apply(original, Gcc12);

        Assert.Equal(copy, original);
    }

    [Fact]
    public void GivenAReplacementNameAlreadyInDynstrItReusesThatStringInsteadOfRewriting()
    {
        var original = Original();
        var image = ElfImage.Parse(original);
        SymbolRedirect[] redirects = [new(MarkerImport, "_ZNSt8ios_baseD2Ev", "GLIBCXX_3.4")];

        var plan = LibStdCxxPatch.Plan(image, Gcc12, redirects);
        var patched = plan.Apply(original, Gcc12);

        var edit = Assert.Single(plan.SymbolEdits);
        Assert.NotNull(edit.ExistingNameOffset);
        var after = ElfImage.Parse(patched);
        Assert.Equal("_ZNSt8ios_baseD2Ev", after.DynamicSymbols[edit.SymbolIndex].Name);
        // The old string is still intact: only st_name moved.
        Assert.Equal(MarkerImport, after.ReadDynamicString(edit.OldNameOffset));
        var stName = BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan((int)(image.DynamicSymbolTable.Offset + 24L * edit.SymbolIndex)));
        Assert.Equal(edit.ExistingNameOffset, stName);
    }

    [Fact]
    public void GivenGcc13NothingIsPlanned()
    {
        var plan = LibStdCxxPatch.Plan(ElfImage.Parse(Original()), LibStdCxxVersions.UpTo(32));

        Assert.Equal(NativePatchKind.NotNeeded, plan.Decision.Kind);
        Assert.Empty(plan.SymbolEdits);
        Assert.Throws<InvalidOperationException>(() => plan.Apply(Original(), LibStdCxxVersions.UpTo(32)));
    }

    [Fact]
    public void GivenGcc11TheLibraryIsUnfixableBecauseRealCodeNeedsGlibcxx3430()
    {
        var plan = LibStdCxxPatch.Plan(ElfImage.Parse(Original()), LibStdCxxVersions.UpTo(29));

        Assert.Equal(NativePatchKind.Unfixable, plan.Decision.Kind);
        Assert.Contains("GLIBCXX_3.4.30", plan.Decision.UnfixableVersions);
    }

    [Fact]
    public void GivenNoKnownRedirectAMissingVersionIsUnfixable()
    {
        var plan = LibStdCxxPatch.Plan(ElfImage.Parse(Original()), Gcc12, redirects: []);

        Assert.Equal(NativePatchKind.Unfixable, plan.Decision.Kind);
        Assert.Equal(["GLIBCXX_3.4.32"], plan.Decision.UnfixableVersions);
    }

    [Fact]
    public void TheSystemLibStdCxxOfThisProcessIsFoundAndDefinesGlibcxx34()
    {
        var path = SystemLibStdCxx.LocateLoaded();

        Assert.NotNull(path);
        Assert.Contains("GLIBCXX_3.4", SystemLibStdCxx.ProvidedVersions(path!));
    }
}
