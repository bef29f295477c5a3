using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Runtime;
using TorchSharp;
using Xunit;

namespace Qcqa.Torch.Tests.Runtime;

public sealed class QcqaDeviceTests
{
    private static torch.Device WithoutGpu(string value) => QcqaDevice.Parse(value, () => false, () => 0);
    private static torch.Device WithTwoGpus(string value) => QcqaDevice.Parse(value, () => true, () => 2);

    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    [InlineData("auto")]
    public void GivenNoGpuCpuAndAutoMeanTheCpu(string value)
    {
        Assert.Equal(DeviceType.CPU, WithoutGpu(value).type);
    }

    [Fact]
    public void GivenAGpuAutoPicksCuda()
    {
        var device = WithTwoGpus("auto");

        Assert.Equal(DeviceType.CUDA, device.type);
        Assert.Equal(0, device.index);
    }

    [Fact]
    public void GivenAGpuCudaWithAnIndexPicksThatDevice()
    {
        Assert.Equal(1, WithTwoGpus("cuda:1").index);
    }

    [Fact]
    public void GivenNoGpuCudaIsAClearRuntimeError()
    {
        var e = Assert.Throws<QcqaException>(() => WithoutGpu("cuda"));

        Assert.Equal(ErrorCodes.RuntimeUnavailable, e.Code);
        Assert.Contains("CUDA is not available", e.Message);
    }

    [Fact]
    public void GivenAnIndexBeyondTheVisibleGpusItIsARuntimeError()
    {
        var e = Assert.Throws<QcqaException>(() => WithTwoGpus("cuda:2"));

        Assert.Equal(ErrorCodes.RuntimeUnavailable, e.Code);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void GivenAnUnknownSettingItIsABadArgument(string value)
    {
        var e = Assert.Throws<QcqaException>(() => WithoutGpu(value));

        Assert.Equal(ErrorCodes.BadArgument, e.Code);
        Assert.Contains(QcqaDevice.AcceptedValues, e.Message);
    }

    [Fact]
    public void OnThisCpuOnlyMachineTheRealProbeResolvesAutoToCpu()
    {
        Assert.Equal(DeviceType.CPU, QcqaDevice.Parse("auto").type);
    }
}
