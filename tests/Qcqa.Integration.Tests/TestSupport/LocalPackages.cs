using System.IO.Compression;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>
/// The packages packed from this working copy into a temporary folder, with a version of their own
/// (<c>0.1.0-it&lt;random&gt;</c>), so that no copy restored earlier under the same version can stand in for them.
/// Packs in the configuration the tests were built in, so nothing is recompiled.
/// </summary>
public sealed class LocalPackages : IDisposable
{
    /// <summary>The build package's id.</summary>
    public const string BuildPackageId = "QcqaBuild";

    /// <summary>The tool's package id.</summary>
    public const string ToolPackageId = "QcqaBuild.Tool";

    /// <summary>The <c>dotnet new</c> template package's id.</summary>
    public const string TemplatesPackageId = "QcqaBuild.Templates";

    private readonly TempFolder _folder = new("packages");

    private LocalPackages() => Version = "0.1.0-it" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The folder holding the .nupkg files (a local package source).</summary>
    public string Folder => _folder.Path;

    /// <summary>The version every package was packed with.</summary>
    public string Version { get; }

    /// <summary>The QcqaBuild package file.</summary>
    public string BuildPackage => Path.Combine(Folder, $"{BuildPackageId}.{Version}.nupkg");

    /// <summary>The pointer package of the tool (QcqaBuild.Tool).</summary>
    public string ToolPackage => Path.Combine(Folder, $"{ToolPackageId}.{Version}.nupkg");

    /// <summary>The template package (QcqaBuild.Templates).</summary>
    public string TemplatesPackage => Path.Combine(Folder, $"{TemplatesPackageId}.{Version}.nupkg");

    /// <summary>The tool's package(s) for this platform (QcqaBuild.Tool.&lt;rid&gt;).</summary>
    public IReadOnlyList<string> RidSpecificToolPackages =>
        Directory.GetFiles(Folder, $"{ToolPackageId}.*.{Version}.nupkg").Where(p => p != ToolPackage).ToList();

    /// <summary>What `dotnet pack` printed.</summary>
    public string PackOutput { get; private set; } = "";

    /// <summary>Packs src/Qcqa.Build.Package, src/Qcqa.Cli and src/Qcqa.Templates.</summary>
    /// <exception cref="InvalidOperationException">A pack failed.</exception>
    public static LocalPackages Pack() => Pack(includeTool: true);

    /// <summary>Packs src/Qcqa.Build.Package, and when asked src/Qcqa.Cli (the tool, with libtorch: slow) and src/Qcqa.Templates.</summary>
    /// <exception cref="InvalidOperationException">A pack failed.</exception>
    public static LocalPackages Pack(bool includeTool)
    {
        var packages = new LocalPackages();
        try
        {
            string[] projects = includeTool
                ? ["src/Qcqa.Build.Package/Qcqa.Build.Package.csproj", "src/Qcqa.Cli/Qcqa.Cli.csproj", "src/Qcqa.Templates/Qcqa.Templates.csproj"]
                : ["src/Qcqa.Build.Package/Qcqa.Build.Package.csproj"];
            foreach (var project in projects)
            {
                var result = ProcessRunner.Run(Dotnet.Command(RepositoryLayout.Root,
                    ["pack", RepositoryLayout.Combine(project), "-c", RepositoryLayout.Configuration, "-o", packages.Folder,
                     $"-p:PackageVersion={packages.Version}", "-v:m", .. Dotnet.BuildSwitches]), TimeSpan.FromMinutes(8));
                packages.PackOutput += result.Output + "\n";
                if (!result.Succeeded) throw new InvalidOperationException($"dotnet pack {project} failed: {result}");
            }
            return packages;
        }
        catch
        {
            packages.Dispose();
            throw;
        }
    }

    /// <summary>The entries of a package file (paths inside the zip).</summary>
    public static IReadOnlyList<(string Path, long Length)> Entries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => (e.FullName, e.Length)).ToList();
    }

    /// <summary>The text of one entry of a package file.</summary>
    public static string ReadEntry(string package, string path)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader((zip.GetEntry(path) ?? throw new FileNotFoundException(path, package)).Open());
        return reader.ReadToEnd();
    }

    /// <summary>Extracts a package into <paramref name="folder"/>.</summary>
    public static void Extract(string package, string folder) => ZipFile.ExtractToDirectory(package, folder, overwriteFiles: true);

    /// <summary>A nuget.config using only <see cref="Folder"/> as a source, restoring into <paramref name="packagesFolder"/>
    /// and falling back to this machine's global packages folder (where TorchSharp and libtorch already are).</summary>
    public string NuGetConfig(string packagesFolder) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="local" value="{Folder}" />
          </packageSources>
          <fallbackPackageFolders>
            <clear />
            <add key="machine" value="{Dotnet.GlobalPackagesFolder}" />
          </fallbackPackageFolders>
          <config>
            <add key="globalPackagesFolder" value="{packagesFolder}" />
          </config>
        </configuration>
        """;

    /// <summary>Deletes the folder.</summary>
    public void Dispose() => _folder.Dispose();
}
