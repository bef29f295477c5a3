using Qcqa.Torch.Runtime;

namespace Qcqa.Torch.Tests.Runtime;

/// <summary>Whether bfloat16 is native is read from every core's flags (x86) or features (Arm) in /proc/cpuinfo.</summary>
public sealed class CpuFeaturesTests
{
    private const string Avx2Core = "processor\t: {0}\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx fma avx2\n\n";

    [Fact]
    public void AnAvx2ProcessorHasNoBFloat16Arithmetic()
        => Assert.False(CpuFeatures.FromCpuInfo(string.Format(null, Avx2Core, 0) + string.Format(null, Avx2Core, 1)));

    [Fact]
    public void Avx512Bf16OrAmxOnEveryCoreHasIt()
    {
        Assert.True(CpuFeatures.FromCpuInfo("processor\t: 0\nflags\t\t: avx2 avx512f avx512_bf16\n\nprocessor\t: 1\nflags\t\t: avx2 amx_tile amx_bf16\n"));
        // One core without it (a hybrid processor): products scheduled there would be emulated.
        Assert.False(CpuFeatures.FromCpuInfo("processor\t: 0\nflags\t\t: avx2 avx512_bf16\n\n" + string.Format(null, Avx2Core, 1)));
    }

    [Fact]
    public void ArmFeaturesNameBf16()
    {
        Assert.True(CpuFeatures.FromCpuInfo("processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n"));
        Assert.False(CpuFeatures.FromCpuInfo("processor\t: 0\nFeatures\t: fp asimd\n"));
    }

    [Fact]
    public void TextWithoutFlagsTellsNothing() => Assert.Null(CpuFeatures.FromCpuInfo("processor\t: 0\nmodel name\t: unknown\n"));
}
