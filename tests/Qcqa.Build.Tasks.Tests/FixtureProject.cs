using System.Diagnostics;
using System.Text;
using Qcqa.Tests.Shared;

namespace Qcqa.Build.Tasks.Tests;

/// <summary>
/// A tiny SDK project in a temporary folder that imports build/QcqaBuild.props and .targets from this repository,
/// uses the freshly built task assembly and runs FakeEngine/fake-qcqa.sh as the engine. Builds run with node
/// reuse and the compiler server off, so no process outlives a test.
/// </summary>
public sealed class FixtureProject : IDisposable
{
    private readonly TempFolder _folder = new();

    public FixtureProject(string? spec, string extraProperties = "")
    {
        var bin = AppContext.BaseDirectory;
        var build = RepositoryLayout.Combine("build");
        _folder.Write("Fixture.csproj", $"""
            <Project>
              <Import Project="Sdk.props" Sdk="Microsoft.NET.Sdk" />
              <Import Project="{build}/QcqaBuild.props" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDefaultItems>false</EnableDefaultItems>
                <UseSharedCompilation>false</UseSharedCompilation>
                <QcqaTasksAssembly>{bin}Qcqa.Build.Tasks.dll</QcqaTasksAssembly>
                <QcqaEngineCommand>/bin/sh</QcqaEngineCommand>
                <QcqaEngineArguments>{bin}FakeEngine/fake-qcqa.sh</QcqaEngineArguments>
                {extraProperties}
              </PropertyGroup>
              <Import Project="Sdk.targets" Sdk="Microsoft.NET.Sdk" />
              <Import Project="{build}/QcqaBuild.targets" />
            </Project>
            """);
        if (spec is not null) WriteSpec(spec);
    }

    public string Root => _folder.Path;

    public string SpecPath => _folder.Combine("qcqa.yaml");

    public string OutputFile => _folder.Combine("bin", "Debug", "net10.0", "qcqa", "tiny", "half", "config.json");

    public string IntermediateFolder => _folder.Combine("obj", "Debug", "net10.0");

    public string FileListAbsolute => Path.Combine(IntermediateFolder, "Fixture.csproj.FileListAbsolute.txt");

    /// <summary>How often the fake engine ran (it appends a line to runs.log in the cache folder).</summary>
    public int EngineRuns
    {
        get
        {
            var log = _folder.Combine("obj", "qcqa-cache", "runs.log");
            return File.Exists(log) ? File.ReadAllLines(log).Length : 0;
        }
    }

    public void WriteSpec(string text) => File.WriteAllText(SpecPath, text);

    public (int ExitCode, string Output) Build(params string[] extraArguments) => Dotnet(["build", "-nr:false", "-v:n", .. extraArguments]);

    public (int ExitCode, string Output) Clean() => Dotnet(["clean", "-nr:false", "-v:n"]);

    private (int ExitCode, string Output) Dotnet(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("Fixture.csproj");
        // The test host runs under `dotnet test`, whose MSBuild settings must not leak into the nested build.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly", "VSTEST_HOST_DEBUG" })
            start.Environment.Remove(name);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var error = process.StandardError.ReadToEndAsync();
        output.Append(process.StandardOutput.ReadToEnd());
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took over 2 minutes:\n{output}");
        }
        output.Append(error.Result);
        return (process.ExitCode, output.ToString());
    }

    public void Dispose() => _folder.Dispose();
}
