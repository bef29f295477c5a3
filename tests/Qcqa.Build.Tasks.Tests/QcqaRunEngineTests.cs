using Microsoft.Build.Framework;
using Qcqa.Tests.Shared;
using Xunit;
using static Qcqa.Build.EngineContract;

namespace Qcqa.Build.Tasks.Tests;

public class QcqaRunEngineTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeBuildEngine _engine = new();

    public void Dispose() => _folder.Dispose();

    private QcqaRunEngine Task(string? script = null)
    {
        var task = new QcqaRunEngine
        {
            BuildEngine = _engine,
            Spec = _folder.Write("qcqa.yaml", "models: []\n"),
            OutputPath = _folder.Combine("out"),
            CachePath = _folder.Combine("cache"),
            DependencyFile = _folder.Combine("obj", "qcqa.deps"),
        };
        if (script is not null)
        {
            // sh -c SCRIPT NAME build SPEC ...: the engine's arguments arrive as $1, $2, ...
            task.EngineCommand = "/bin/sh";
            task.EngineArguments = ["-c", script, "fake-engine"];
        }
        return task;
    }

    [Fact]
    public void TheDefaultCommandLineRunsTheEngineWithDotnetExec()
    {
        var task = Task();
        task.DotNetHostPath = "/usr/bin/dotnet";
        task.EnginePath = "/pkg/tools/dotnet-qcqa.dll";
        task.EngineDepsFile = "/pkg/tools/dotnet-qcqa.deps.json";
        task.EngineRuntimeConfig = "/pkg/tools/dotnet-qcqa.runtimeconfig.json";
        task.EngineProbingPaths = ["/home/u/.nuget/packages/"];
        task.Device = "cuda";
        task.MemoryLimit = "6GB";
        task.AdditionalArguments = ["--verbose"];

        var command = task.BuildCommandLine();

        Assert.Equal("/usr/bin/dotnet", command.FileName);
        Assert.Equal(
            [
                "exec", "--depsfile", "/pkg/tools/dotnet-qcqa.deps.json", "--runtimeconfig", "/pkg/tools/dotnet-qcqa.runtimeconfig.json",
                "--additionalprobingpath", "/home/u/.nuget/packages/", "/pkg/tools/dotnet-qcqa.dll",
                "build", task.Spec, "--out", task.OutputPath, "--cache", task.CachePath!, "--device", "cuda",
                "--memory-limit", "6GB", "--deps-file", task.DependencyFile, "--msbuild", "--verbose",
            ],
            command.Arguments);
    }

    [Fact]
    public void ACustomEngineCommandReplacesDotnetExecAndOptionalPartsAreLeftOut()
    {
        var task = Task();
        task.EngineCommand = "/opt/qcqa/engine";
        task.EngineArguments = ["--fast"];
        task.CachePath = null;
        var command = task.BuildCommandLine();
        Assert.Equal("/opt/qcqa/engine", command.FileName);
        Assert.Equal(["--fast", "build", task.Spec, "--out", task.OutputPath, "--deps-file", task.DependencyFile, "--msbuild"], command.Arguments);
    }

    [UnixFact]
    public void GivenAnEngineThatSpeaksEveryPrefixTheTaskMapsEachAndSucceeds()
    {
        var task = Task("""
            echo "info: compressing $2"
            echo "verbose: args $*"
            echo "warning: $2(1,1): warning QCQA030: tight budget"
            echo "data: output=$4/tiny/half/config.json"
            echo "data: kv_heads=64"
            echo "plain line"
            echo "to stderr" >&2
            exit 0
            """);

        Assert.True(task.Execute(), _engine.Dump());

        Assert.Empty(_engine.Errors);
        Assert.Equal(("QCQA030", task.Spec, 1), (_engine.Warnings[0].Code, _engine.Warnings[0].File, _engine.Warnings[0].LineNumber));
        Assert.Contains($"compressing {task.Spec}", _engine.MessagesAt(MessageImportance.Normal));
        Assert.Contains("plain line", _engine.MessagesAt(MessageImportance.Normal));
        Assert.Contains("to stderr", _engine.MessagesAt(MessageImportance.Low));
        Assert.Contains(_engine.MessagesAt(MessageImportance.Low), m => m.StartsWith("args build ") && m.EndsWith("--msbuild"));
        Assert.Equal($"{task.OutputPath}/tiny/half/config.json", task.Data.Single(d => d.GetMetadata("Key") == "output").ItemSpec);
        Assert.Equal(2, task.Data.Length);
        Assert.Equal(0, task.ExitCode);
        Assert.Contains(_engine.MessagesAt(MessageImportance.Normal), m => m.StartsWith("Running the QCQA engine: /bin/sh -c"));
    }

    [UnixFact]
    public void GivenCancelWhileTheEngineRunsTheEngineGetsSigtermRemovesItsTemporaryAndTheTaskFails()
    {
        // Like the real engine: SIGTERM stops it at a safe point, it removes its temporary output and says so.
        var task = Task("""
            mkdir -p "$4/variant.tmp-1"
            trap 'kill $child 2>/dev/null; rm -rf "$4/variant.tmp-1"; echo "error: qcqa: error QCQA005: Cancelled by SIGTERM"; exit 143' TERM
            sleep 60 & child=$!
            wait $child
            """);

        var (succeeded, elapsed) = ExecuteAndCancel(task, Path.Combine(task.OutputPath, "variant.tmp-1"));

        Assert.False(succeeded);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed}");
        Assert.Equal(143, task.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(task.OutputPath, "variant.tmp-1")), "the engine's clean-up did not run");
        Assert.Equal("QCQA005", Assert.Single(_engine.Errors).Code);
        Assert.Contains(_engine.Warnings, w => w.Message.StartsWith("The QCQA engine was cancelled (exit code 143)", StringComparison.Ordinal));
    }

    [UnixFact]
    public void GivenCancelAndAnEngineThatIgnoresSigtermItIsKilledAfterTheGracePeriod()
    {
        var task = Task("""
            trap '' TERM
            mkdir -p "$4/started"
            while :; do sleep 0.1; done
            """);
        task.CancelGracePeriod = TimeSpan.FromSeconds(1);

        var (succeeded, elapsed) = ExecuteAndCancel(task, Path.Combine(task.OutputPath, "started"));

        Assert.False(succeeded);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed}");
        Assert.Contains(_engine.Warnings, w => w.Message.Contains("cancelled and killed", StringComparison.Ordinal));
    }

    // Runs the task on another thread, cancels it once the engine created `marker`, and waits for Execute to return.
    private static (bool Succeeded, TimeSpan Elapsed) ExecuteAndCancel(QcqaRunEngine task, string marker)
    {
        var run = System.Threading.Tasks.Task.Run(task.Execute);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Directory.Exists(marker))
        {
            Assert.False(run.IsCompleted, "the engine ended before it was cancelled");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the engine did not start");
            Thread.Sleep(10);
        }
        clock.Restart();
        task.Cancel();
        Assert.True(run.Wait(TimeSpan.FromSeconds(60)), "Execute did not return after Cancel");
        return (run.Result, clock.Elapsed);
    }

    [UnixFact]
    public void GivenAnEngineThatReportsAnErrorAndExitsOneTheTaskFailsWithThatError()
    {
        var task = Task("""
            echo "error: $2(3,5): error QCQA041: Unknown key 'bugdet'; did you mean 'budget'?"
            exit 1
            """);

        Assert.False(task.Execute());

        var error = Assert.Single(_engine.Errors);
        Assert.Equal((task.Spec, 3, 5, "QCQA041"), (error.File, error.LineNumber, error.ColumnNumber, error.Code));
        Assert.Equal(1, task.ExitCode);
    }

    [UnixFact]
    public void GivenAnEngineThatReportsAnErrorButExitsZeroTheTaskStillFails()
    {
        Assert.False(Task("echo 'error: qcqa: error QCQA001: x'; exit 0").Execute());
        Assert.Single(_engine.Errors);
    }

    [UnixFact]
    public void GivenAnEngineThatFailsSilentlyOneGenericErrorNamesTheExitCode()
    {
        Assert.False(Task("exit 3").Execute());
        Assert.Equal("The QCQA engine exited with code 3 without reporting an error.", Assert.Single(_engine.Errors).Message);
    }

    [UnixFact]
    public void GivenAnEngineThatCrashesItsStderrBecomesTheError()
    {
        Assert.False(Task("echo 'Unhandled exception. boom' >&2; exit 134").Execute());
        Assert.Contains("boom", Assert.Single(_engine.Errors).Message);
    }

    [UnixFact]
    public void LargeOutputOnBothStreamsDoesNotDeadlock()
    {
        var task = Task("i=0; while [ $i -lt 20000 ]; do echo \"verbose: line $i\"; echo \"err $i\" >&2; i=$((i+1)); done");
        Assert.True(task.Execute(), _engine.Dump());
        Assert.Equal(40000, _engine.MessagesAt(MessageImportance.Low).Count());
    }

    [Fact]
    public void GivenAnEngineThatCannotStartTheTaskLogsQcqa071AndDoesNotThrow()
    {
        var task = Task();
        task.EngineCommand = _folder.Combine("no-such-engine");
        Assert.False(task.Execute());
        Assert.Equal(TaskError.EngineDidNotStart.Code(), Assert.Single(_engine.Errors).Code);
    }

    [Fact]
    public void GivenBadParametersEveryProblemIsLoggedAndNothingRuns()
    {
        var task = Task();
        task.Spec = _folder.Combine("missing.yaml");
        task.EnginePath = _folder.Combine("missing-engine.dll");
        task.Device = "tpu";

        Assert.False(task.Execute());

        Assert.Equal(
            [TaskError.FileNotFound.Code(), TaskError.BadParameter.Code(), TaskError.BadParameter.Code()],
            _engine.Errors.Select(e => e.Code));
        Assert.Contains(_engine.Errors, e => e.Message!.Contains("QcqaEnginePath"));
        Assert.Equal(-1, task.ExitCode);
    }

    [Fact]
    public void GivenNoEngineAtAllTheErrorNamesThePropertiesToSet()
    {
        var task = Task();
        Assert.False(task.Execute());
        Assert.Contains("QcqaEnginePath", Assert.Single(_engine.Errors).Message);
    }
}
