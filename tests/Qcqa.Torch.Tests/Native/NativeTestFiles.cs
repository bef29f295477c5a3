using Qcqa.Torch.Runtime;

namespace Qcqa.Torch.Tests.Native;

/// <summary>Locates the real native files the test run uses.</summary>
internal static class NativeTestFiles
{
    /// <summary>The original (unpatched) <c>libLibTorchSharp.so</c> the test host would load.</summary>
    public static string LibTorchSharp() =>
        TorchSharpNativeFiles.Find(TorchSharpNativeFiles.LibTorchSharpFileName)
        ?? throw new FileNotFoundException("libLibTorchSharp.so is not in the test's native folders.");
}
