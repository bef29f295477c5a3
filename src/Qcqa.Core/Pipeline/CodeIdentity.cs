namespace Qcqa.Core.Pipeline;

/// <summary>
/// Identifies the engine's code in cache keys of results that depend on it (fronts, evaluations): the module
/// version id of this assembly changes whenever its source changes (builds are deterministic), so an improved
/// search never serves stale results, while a released package keeps one stable id.
/// </summary>
internal static class CodeIdentity
{
    internal static string Version { get; } = typeof(CodeIdentity).Assembly.ManifestModule.ModuleVersionId.ToString("N");
}
