using Qcqa.Core.Diagnostics;
using TorchSharp;

namespace Qcqa.Torch.Runtime;

/// <summary>
/// The device setting users write (<c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>, <c>auto</c>), turned into a TorchSharp
/// device. The CPU package is what this repository tests; a user who references a CUDA libtorch package gets the
/// GPU path through the same setting.
/// </summary>
public static class QcqaDevice
{
    /// <summary>The accepted spellings, for messages and help text.</summary>
    public const string AcceptedValues = "cpu, cuda, cuda:<index>, auto";

    /// <summary>Initialises the runtime and resolves a device setting.</summary>
    /// <param name="value"><c>cpu</c>; <c>cuda</c> or <c>cuda:N</c> (fails when CUDA is unavailable); <c>auto</c> (CUDA when available, else CPU). Case-insensitive.</param>
    /// <returns>The TorchSharp device.</returns>
    /// <exception cref="QcqaException">
    /// <see cref="ErrorCodes.BadArgument"/> for an unknown setting; <see cref="ErrorCodes.RuntimeUnavailable"/> when
    /// CUDA is requested but unavailable, or libtorch cannot load.
    /// </exception>
    public static torch.Device Parse(string value)
    {
        TorchRuntime.EnsureInitialized();
        return Parse(value, torch.cuda.is_available, torch.cuda.device_count);
    }

    /// <summary>Resolves a device setting with the CUDA probes supplied, so the rules can be tested without a GPU.</summary>
    internal static torch.Device Parse(string value, Func<bool> cudaAvailable, Func<int> cudaDeviceCount)
    {
        Preconditions.CheckNotNull(value);
        var text = value.Trim().ToLowerInvariant();
        if (text == "cpu") return new torch.Device(DeviceType.CPU);
        if (text == "auto") return cudaAvailable() ? new torch.Device(DeviceType.CUDA, 0) : new torch.Device(DeviceType.CPU);

        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            var index = 0;
            if (text.Length > 4 && (!int.TryParse(text[5..], out index) || index < 0))
                throw new QcqaException(ErrorCodes.BadArgument, $"Device '{value}' has a bad CUDA index; accepted values: {AcceptedValues}.");
            if (!cudaAvailable())
                throw new QcqaException(ErrorCodes.RuntimeUnavailable,
                    $"Device '{value}' was requested but CUDA is not available: this build of libtorch has no CUDA support or no GPU is visible. " +
                    "Reference a CUDA libtorch package (e.g. libtorch-cuda-12.8-linux-x64) on a machine with an NVIDIA driver, or use 'cpu' or 'auto'.");
            var count = cudaDeviceCount();
            if (index >= count)
                throw new QcqaException(ErrorCodes.RuntimeUnavailable, $"Device '{value}' was requested but only {count} CUDA device(s) are visible.");
            return new torch.Device(DeviceType.CUDA, index);
        }

        throw new QcqaException(ErrorCodes.BadArgument, $"Unknown device '{value}'; accepted values: {AcceptedValues}.");
    }
}
