using System.Runtime.CompilerServices;
using Qcqa.Torch.Runtime;

namespace Qcqa.Torch.Tests;

/// <summary>
/// Makes libtorch usable before any test runs. Tests run in parallel, and whichever first touches a TorchSharp type
/// runs TorchSharp's static initialiser; if that happens before <see cref="TorchRuntime.EnsureInitialized"/>, the
/// native library fails to load on machines that need the libstdc++ fix and TorchSharp stays broken for the process.
/// </summary>
internal static class TorchRuntimeInitializer
{
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.EnsureInitialized();
}
