using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>
/// An SDK project in a temporary folder that uses QcqaBuild the way the in-repo sample does: it imports
/// build/QcqaBuild.props and .targets from this repository and runs the fresh task assembly and engine
/// (src/Qcqa.Build.Tasks, src/Qcqa.Cli). Next to it: a synthetic model in <c>model/</c> and a <c>qcqa.yaml</c>.
/// </summary>
public sealed class BuildFixtureProject : IDisposable
{
    /// <summary>The project file's name.</summary>
    public const string ProjectFileName = "Fixture.csproj";

    private readonly TempFolder? _ownFolder;

    /// <summary>Creates the project.</summary>
    /// <param name="spec">The spec's text, or null for none.</param>
    /// <param name="folder">Where to create it; a new temporary folder (deleted on dispose) when null.</param>
    /// <param name="extraProperties">MSBuild properties (XML) added to the project.</param>
    /// <param name="model">The synthetic model written to <c>model/</c>; <see cref="SyntheticModels.Small"/> when null.</param>
    public BuildFixtureProject(string? spec, string? folder = null, string extraProperties = "", SyntheticCheckpointOptions? model = null)
    {
        if (folder is null) _ownFolder = new TempFolder("fixture");
        Root = folder ?? _ownFolder!.Path;
        Directory.CreateDirectory(Root);
        var build = RepositoryLayout.BuildFolder;
        File.WriteAllText(Path.Combine(Root, ProjectFileName), $"""
            <Project>
              <Import Project="Sdk.props" Sdk="Microsoft.NET.Sdk" />
              <Import Project="{build}/QcqaBuild.props" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDefaultItems>false</EnableDefaultItems>
                <QcqaTasksAssembly>{RepositoryLayout.TasksAssembly}</QcqaTasksAssembly>
                <QcqaEnginePath>{RepositoryLayout.EnginePath}</QcqaEnginePath>
                {extraProperties}
              </PropertyGroup>
              <Import Project="Sdk.targets" Sdk="Microsoft.NET.Sdk" />
              <Import Project="{build}/QcqaBuild.targets" />
            </Project>
            """);
        SyntheticModels.Write(ModelFolder, model);
        if (spec is not null) WriteSpec(spec);
    }

    /// <summary>The project folder.</summary>
    public string Root { get; }

    /// <summary>The spec, <c>qcqa.yaml</c> next to the project.</summary>
    public string SpecPath => Path.Combine(Root, "qcqa.yaml");

    /// <summary>The synthetic model's folder (<c>model/</c>; specs refer to it as <c>path: model</c>).</summary>
    public string ModelFolder => Path.Combine(Root, "model");

    /// <summary>Where the build writes checkpoints: <c>bin/Debug/net10.0/qcqa/</c>.</summary>
    public string OutputFolder => Path.Combine(Root, "bin", "Debug", "net10.0", "qcqa");

    /// <summary>The default content cache, <c>obj/qcqa-cache/</c>.</summary>
    public string CacheFolder => Path.Combine(Root, "obj", "qcqa-cache");

    /// <summary>Replaces the spec.</summary>
    public void WriteSpec(string text) => File.WriteAllText(SpecPath, text);

    /// <summary>Runs <c>dotnet build</c> (normal verbosity unless <paramref name="arguments"/> say otherwise).</summary>
    public ProcessResult Build(params string[] arguments) => ProcessRunner.Run(BuildCommand(arguments), TimeSpan.FromMinutes(5));

    /// <summary>Starts <c>dotnet build</c> without waiting for it.</summary>
    public RunningProcess StartBuild(params string[] arguments) => RunningProcess.Start(BuildCommand(arguments));

    /// <summary>Starts <c>dotnet build</c> with SIGINT at its default disposition, so that a test can interrupt it as Ctrl-C would
    /// (<see cref="RunningProcess.Signal"/>).</summary>
    public RunningProcess StartInterruptibleBuild(params string[] arguments) => RunningProcess.Start(PosixProcesses.WithDefaultSigint(BuildCommand(arguments)));

    /// <summary>Runs <c>dotnet clean</c>.</summary>
    public ProcessResult Clean() =>
        ProcessRunner.Run(Dotnet.Command(Root, ["clean", ProjectFileName, "-v:n", .. Dotnet.BuildSwitches]), TimeSpan.FromMinutes(3));

    /// <summary>Deletes the folder if this object created it.</summary>
    public void Dispose() => _ownFolder?.Dispose();

    private System.Diagnostics.ProcessStartInfo BuildCommand(string[] arguments)
    {
        var verbosity = arguments.Any(a => a.StartsWith("-v:", StringComparison.Ordinal)) ? [] : new[] { "-v:n" };
        return Dotnet.Command(Root, ["build", ProjectFileName, .. verbosity, .. Dotnet.BuildSwitches, .. arguments]);
    }
}
