using Qcqa.Tests.Shared;
namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>
/// QcqaBuild.Tool installed with <c>dotnet tool install --tool-path</c> from a local package folder, the way a
/// user installs it, into a temporary folder (NuGet's own folders in there too, so nothing leaks into the machine's).
/// </summary>
public sealed class InstalledTool : IDisposable
{
    private readonly TempFolder _folder;

    private InstalledTool(TempFolder folder, ProcessResult install)
    {
        _folder = folder;
        InstallResult = install;
    }

    /// <summary>The tool path.</summary>
    public string ToolPath => _folder.Combine("tools");

    /// <summary>The command the install created (<c>dotnet-qcqa</c>).</summary>
    public string Command => Path.Combine(ToolPath, OperatingSystem.IsWindows() ? "dotnet-qcqa.exe" : "dotnet-qcqa");

    /// <summary>What <c>dotnet tool install</c> printed.</summary>
    public ProcessResult InstallResult { get; }

    /// <summary>Installs the tool from <paramref name="packages"/>.</summary>
    /// <exception cref="InvalidOperationException">The install failed.</exception>
    public static InstalledTool Install(LocalPackages packages)
    {
        var folder = new TempFolder("tool");
        var config = folder.Write("nuget.config", packages.NuGetConfig(folder.Combine("nuget")));
        var result = ProcessRunner.Run(Dotnet.Command(folder.Path,
            ["tool", "install", LocalPackages.ToolPackageId, "--tool-path", folder.Combine("tools"), "--version", packages.Version, "--configfile", config],
            new Dictionary<string, string?> { ["NUGET_PACKAGES"] = folder.Combine("nuget") }), TimeSpan.FromMinutes(5));
        if (!result.Succeeded)
        {
            folder.Dispose();
            throw new InvalidOperationException("dotnet tool install failed: " + result);
        }
        return new InstalledTool(folder, result);
    }

    /// <summary>Runs the installed <c>dotnet-qcqa</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public ProcessResult Run(string workingDirectory, params string[] arguments)
        => ProcessRunner.Run(Dotnet.Program(Command, workingDirectory, arguments), TimeSpan.FromMinutes(5));

    /// <summary>Deletes the tool path.</summary>
    public void Dispose() => _folder.Dispose();
}
