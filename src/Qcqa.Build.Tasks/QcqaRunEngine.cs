using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using static Qcqa.Build.EngineContract;

namespace Qcqa.Build.Tasks;

/// <summary>
/// Runs the QCQA engine for one spec, out of process, and maps what it prints to the build log and items.
/// </summary>
/// <remarks>
/// <para>The engine is started as
/// <c>dotnet exec [--depsfile F] [--runtimeconfig F] [--additionalprobingpath P]… EnginePath build SPEC --out DIR
/// --cache DIR [--device D] [--memory-limit M] --deps-file FILE --msbuild [AdditionalArguments…]</c>, or, when
/// <see cref="EngineCommand"/> is set, as <c>EngineCommand [EngineArguments…] build SPEC …</c> (tests use this to run
/// a stand-in engine). Out of process because libtorch and multi-GB tensors must not load into a reusable MSBuild
/// node, which would also lock their files.</para>
/// <para>The engine's protocol (<c>EngineContract.Protocol</c>, src/Shared/EngineContract.cs): <c>error:</c>/<c>warning:</c>
/// lines carry a canonical diagnostic, <c>info:</c>/<c>verbose:</c> lines are messages, <c>data: key=value</c> lines
/// become <see cref="Data"/> items. The files the engine produced are listed in its dependency file, which
/// <see cref="QcqaReadDependencies"/> reads.</para>
/// <para><see cref="Execute"/> never throws: every problem is logged and the task returns false.</para>
/// </remarks>
public sealed class QcqaRunEngine : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The spec file (<c>qcqa.yaml</c>).</summary>
    [Required]
    public string Spec { get; set; } = "";

    /// <summary>Folder the engine writes compressed checkpoints to (<c>--out</c>).</summary>
    [Required]
    public string OutputPath { get; set; } = "";

    /// <summary>The dependency file the engine writes after a successful build (<c>--deps-file</c>).</summary>
    [Required]
    public string DependencyFile { get; set; } = "";

    /// <summary>The engine's content cache folder (<c>--cache</c>); the engine's default when empty.</summary>
    public string? CachePath { get; set; }

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>auto</c> (<c>--device</c>); the spec decides when empty.</summary>
    public string? Device { get; set; }

    /// <summary>The engine's memory limit (<c>--memory-limit</c>, e.g. <c>6GB</c>); the spec's <c>memory_limit</c> or the machine's default share when empty.</summary>
    public string? MemoryLimit { get; set; }

    /// <summary>The engine assembly run with <c>dotnet exec</c> (<c>dotnet-qcqa.dll</c>); unused when <see cref="EngineCommand"/> is set.</summary>
    public string? EnginePath { get; set; }

    /// <summary>Optional <c>--depsfile</c> for <c>dotnet exec</c>.</summary>
    public string? EngineDepsFile { get; set; }

    /// <summary>Optional <c>--runtimeconfig</c> for <c>dotnet exec</c>.</summary>
    public string? EngineRuntimeConfig { get; set; }

    /// <summary>Folders passed as <c>--additionalprobingpath</c> (the NuGet package root, so the engine finds libtorch there).</summary>
    public string[]? EngineProbingPaths { get; set; }

    /// <summary>A program to run instead of <c>dotnet exec EnginePath</c>.</summary>
    public string? EngineCommand { get; set; }

    /// <summary>Arguments placed before <c>build</c> when <see cref="EngineCommand"/> is set.</summary>
    public string[]? EngineArguments { get; set; }

    /// <summary>The <c>dotnet</c> host; defaults to <c>DOTNET_HOST_PATH</c> (set by the .NET SDK), else <c>dotnet</c>.</summary>
    public string? DotNetHostPath { get; set; }

    /// <summary>Extra arguments appended after the standard ones.</summary>
    public string[]? AdditionalArguments { get; set; }

    /// <summary>The engine's working directory; the current directory when empty.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Every <c>data:</c> line: the value as item spec, the key as <c>Key</c> metadata.</summary>
    [Output]
    public ITaskItem[] Data { get; private set; } = [];

    /// <summary>The engine's exit code, or -1 when it did not run.</summary>
    [Output]
    public int ExitCode { get; private set; } = -1;

    /// <summary>How long a cancelled engine may take to stop by itself (it removes its temporaries) before it is killed.</summary>
    internal TimeSpan CancelGracePeriod { get; set; } = ProcessRunner.DefaultGracePeriod;

    /// <summary>
    /// Stops the engine as Ctrl-C stops the tool: SIGTERM on Unix, so it removes its temporary output and exits at its
    /// next safe point; killed with its process tree if still running after <see cref="CancelGracePeriod"/> (or at
    /// once on Windows). <see cref="Execute"/> then returns false; nothing the engine produced before is deleted.
    /// </summary>
    public void Cancel() => _cancel.Cancel();

    /// <inheritdoc />
    public override bool Execute()
    {
        try
        {
            if (!ValidateParameters()) return false;
            var commandLine = BuildCommandLine();
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(DependencyFile))!);
            Log.LogMessage(MessageImportance.Normal, "Running the QCQA engine: {0}", commandLine);
            var start = new ProcessStartInfo(commandLine.FileName);
            foreach (var argument in commandLine.Arguments) start.ArgumentList.Add(argument);
            if (!string.IsNullOrEmpty(WorkingDirectory)) start.WorkingDirectory = WorkingDirectory;

            var processor = new EngineOutputProcessor(Log);
            var killedAtOnce = false;
            try
            {
                ExitCode = ProcessRunner.Run(start, (line, isError) =>
                {
                    if (isError) processor.OnStandardError(line);
                    else processor.OnStandardOutput(line);
                }, _cancel.Token, CancelGracePeriod, atOnce => killedAtOnce = atOnce);
            }
            catch (Win32Exception e)
            {
                Log.LogError(null, TaskError.EngineDidNotStart.Code(), null, null, 0, 0, 0, 0,
                    "Could not start the QCQA engine '{0}': {1}. Check QcqaEngineCommand, or that the .NET SDK's 'dotnet' is on PATH.", commandLine.FileName, e.Message);
                return false;
            }
            if (_cancel.IsCancellationRequested)
            {
                // The engine's own QCQA005 line (if it stopped by itself) was logged with its other output.
                Log.LogWarning(killedAtOnce || ExitCode == 137
                    ? "The QCQA engine was cancelled and killed (exit code {0}); the next build removes any temporary folder it left."
                    : "The QCQA engine was cancelled (exit code {0}).", ExitCode);
                return false;
            }
            processor.Complete(ExitCode);
            Data = processor.Data.ToArray();
            return !Log.HasLoggedErrors;
        }
        catch (Exception e)
        {
            Log.LogErrorFromException(e, showStackTrace: true);
            return false;
        }
    }

    /// <summary>The command that <see cref="Execute"/> starts (call after setting the parameters).</summary>
    internal EngineCommandLine BuildCommandLine()
    {
        var arguments = new List<string>();
        string fileName;
        if (!string.IsNullOrEmpty(EngineCommand))
        {
            fileName = EngineCommand;
            arguments.AddRange(NonEmpty(EngineArguments));
        }
        else
        {
            fileName = !string.IsNullOrEmpty(DotNetHostPath) ? DotNetHostPath
                : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            arguments.Add("exec");
            if (!string.IsNullOrEmpty(EngineDepsFile)) arguments.AddRange(["--depsfile", EngineDepsFile]);
            if (!string.IsNullOrEmpty(EngineRuntimeConfig)) arguments.AddRange(["--runtimeconfig", EngineRuntimeConfig]);
            foreach (var probe in NonEmpty(EngineProbingPaths)) arguments.AddRange(["--additionalprobingpath", probe]);
            arguments.Add(EnginePath!);
        }
        arguments.AddRange(["build", Spec, "--out", OutputPath]);
        if (!string.IsNullOrEmpty(CachePath)) arguments.AddRange(["--cache", CachePath]);
        if (!string.IsNullOrEmpty(Device)) arguments.AddRange(["--device", Device]);
        if (!string.IsNullOrEmpty(MemoryLimit)) arguments.AddRange(["--memory-limit", MemoryLimit]);
        arguments.AddRange(["--deps-file", DependencyFile, "--msbuild"]);
        arguments.AddRange(NonEmpty(AdditionalArguments));
        return new EngineCommandLine(fileName, arguments);
    }

    private bool ValidateParameters()
    {
        void Problem(string code, string? file, string message, params object[] args)
            => Log.LogError(null, code, null, file, 0, 0, 0, 0, message, args);

        if (!File.Exists(Spec))
            Problem(TaskError.FileNotFound.Code(), Spec, "The QCQA spec was not found: set QcqaSpec to the path of your qcqa.yaml.");
        if (string.IsNullOrWhiteSpace(OutputPath))
            Problem(TaskError.BadParameter.Code(), null, "No output folder: set QcqaOutputPath.");
        if (string.IsNullOrWhiteSpace(DependencyFile))
            Problem(TaskError.BadParameter.Code(), null, "No dependency file given to QcqaRunEngine.");
        if (string.IsNullOrEmpty(EngineCommand))
        {
            if (string.IsNullOrEmpty(EnginePath))
                Problem(TaskError.BadParameter.Code(), null, "No QCQA engine configured: set QcqaEnginePath (the dotnet-qcqa.dll to run) or QcqaEngineCommand.");
            else if (!File.Exists(EnginePath))
                Problem(TaskError.BadParameter.Code(), null, "The QCQA engine was not found at '{0}': set QcqaEnginePath (or QcqaEngineCommand).", EnginePath);
        }
        if (!string.IsNullOrEmpty(Device) && Device is not ("cpu" or "cuda" or "auto"))
            Problem(TaskError.BadParameter.Code(), null, "QcqaDevice is '{0}'; use cpu, cuda or auto (or leave it empty to follow the spec).", Device);
        if (!string.IsNullOrEmpty(WorkingDirectory) && !Directory.Exists(WorkingDirectory))
            Problem(TaskError.BadParameter.Code(), null, "The working directory '{0}' does not exist.", WorkingDirectory);
        return !Log.HasLoggedErrors;
    }

    private static IEnumerable<string> NonEmpty(string[]? values) => (values ?? []).Where(v => !string.IsNullOrEmpty(v));
}
