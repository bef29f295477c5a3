namespace Qcqa.Torch;

/// <summary>
/// Identifies this assembly's code in the build's cache keys: the module version id changes whenever the source does
/// (builds are deterministic), so a changed calibration, merge or fine-tuning never serves a stale cached result.
/// </summary>
internal static class TorchCode
{
    internal static string Version { get; } = typeof(TorchCode).Assembly.ManifestModule.ModuleVersionId.ToString("N");
}
