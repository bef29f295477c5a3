using Qcqa.Torch.Native.Elf;
using Xunit;

namespace Qcqa.Torch.Tests.Native;

public sealed class ElfHashTests
{
    [Theory]
    // Values as GNU ld writes them into vna_hash (checked with readelf on libLibTorchSharp.so and libstdc++).
    [InlineData("GLIBCXX_3.4", 0x08922974u)]
    [InlineData("GLIBC_2.2.5", 0x09691a75u)]
    [InlineData("", 0u)]
    public void ItMatchesTheSystemVAbi(string name, uint expected)
    {
        Assert.Equal(expected, ElfHash.Compute(name));
    }

    [Fact]
    public void ItAgreesWithTheHashesStoredInTorchSharpsVersionNeeds()
    {
        var image = ElfImage.Parse(File.ReadAllBytes(NativeTestFiles.LibTorchSharp()));

        foreach (var aux in image.VersionNeeds.SelectMany(n => n.Versions))
            Assert.Equal(aux.Hash, ElfHash.Compute(aux.Name));
    }
}
