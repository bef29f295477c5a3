using System.Runtime.CompilerServices;

namespace Qcqa.Tests.Shared;

/// <summary>
/// Points this test run's temporary folder (and so every child process's: the engine, `dotnet build`, MSBuild's own
/// nodes) at a folder of its own, deleted when the run ends. MSBuild and the SDK leave empty folders in the
/// temporary folder on every build (two per `dotnet build` here), and the tests run dozens of builds; a run must
/// leave nothing behind on a developer's machine.
/// </summary>
internal static class TestRunTemporaryFolder
{
    /// <summary>The run's folder: <c>$TMPDIR/qcqa-tests/r&lt;process id&gt;</c>, short for tools that mind long paths.</summary>
    internal static string? Path { get; private set; }

    [ModuleInitializer]
    internal static void Redirect()
    {
        var shared = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "qcqa-tests");
        var run = System.IO.Path.Combine(shared, $"r{Environment.ProcessId}");
        Directory.CreateDirectory(run);
        Path = run;
        // Path.GetTempPath reads these on every call, in this process and (inherited) in its children.
        foreach (var variable in OperatingSystem.IsWindows() ? new[] { "TEMP", "TMP" } : ["TMPDIR"])
            Environment.SetEnvironmentVariable(variable, run + System.IO.Path.DirectorySeparatorChar);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(run, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            // The shared parent goes too once no other run (a parallel test assembly) is using it.
            try { Directory.Delete(shared); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
    }
}
