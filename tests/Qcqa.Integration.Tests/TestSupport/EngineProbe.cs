namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>
/// Whether src/Qcqa.Cli already has the <c>build</c> command the build integration runs (it is being written
/// separately): asks <c>dotnet-qcqa build --help</c> once per test run.
/// </summary>
public static class EngineProbe
{
    private static readonly Lazy<string?> LazyMissingReason = new(Probe);

    /// <summary>True when <c>dotnet-qcqa build --help</c> shows the build command's help.</summary>
    public static bool HasBuildCommand => LazyMissingReason.Value is null;

    /// <summary>Why the engine cannot build, or null when it can.</summary>
    public static string? MissingReason => LazyMissingReason.Value;

    private static string? Probe()
    {
        var engine = RepositoryLayout.EnginePath;
        if (!File.Exists(engine)) return $"the engine {engine} has not been built";
        try
        {
            var result = ProcessRunner.Run(Dotnet.Command(RepositoryLayout.Root, ["exec", engine, "build", "--help"]), TimeSpan.FromMinutes(1));
            // System.CommandLine answers `unknown --help` with the root's help and exit code 0: the usage line tells.
            return result.Succeeded && result.Output.Contains("dotnet-qcqa build", StringComparison.Ordinal)
                ? null
                : "src/Qcqa.Cli has no `build` command yet (`dotnet-qcqa build --help` shows no help for it)";
        }
        catch (Exception e) when (e is TimeoutException or System.ComponentModel.Win32Exception)
        {
            return $"`dotnet-qcqa build --help` could not run: {e.Message}";
        }
    }
}
