using System.Diagnostics;

namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>
/// Command lines for the <c>dotnet</c> host, with an environment fit for nested builds: the MSBuild settings of
/// the `dotnet test` run that hosts the tests removed, node reuse and the compiler server off (so no process
/// outlives a test), no telemetry or first-run text.
/// </summary>
public static class Dotnet
{
    /// <summary>The host running the tests (DOTNET_HOST_PATH under `dotnet test`), else <c>dotnet</c> from PATH.</summary>
    public static string HostPath { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Arguments every nested build gets: no node reuse, classic console logger, no compiler server.</summary>
    public static IReadOnlyList<string> BuildSwitches { get; } = ["-nodeReuse:false", "-tl:off", "-p:UseSharedCompilation=false"];

    /// <summary>A start description for <c>dotnet &lt;arguments&gt;</c> in <paramref name="workingDirectory"/>.</summary>
    /// <param name="workingDirectory">The folder to run in.</param>
    /// <param name="arguments">The arguments, unquoted.</param>
    /// <param name="environment">Variables to set (a null value removes one).</param>
    public static ProcessStartInfo Command(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
        => Program(HostPath, workingDirectory, arguments, environment);

    /// <summary>A start description for any program, with the same environment as <see cref="Command"/>.</summary>
    public static ProcessStartInfo Program(string fileName, string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name is "MSBUILD_EXE_PATH" or "MSBuildExtensionsPath" or "MSBuildSDKsPath")
                start.Environment.Remove(name);
        }
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        return start;
    }

    /// <summary>The NuGet global packages folder restore uses here (NUGET_PACKAGES, else ~/.nuget/packages).</summary>
    public static string GlobalPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
