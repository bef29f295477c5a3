namespace Qcqa.Build.Tasks;

/// <summary>
/// Codes of the problems the build integration itself reports (the engine's codes live in Qcqa.Core's
/// ErrorCodes; this assembly cannot reference it). The 07x decade is reserved for them there too.
/// </summary>
internal static class TaskErrorCodes
{
    /// <summary>A file named by the build does not exist (same code as the engine's FileNotFound).</summary>
    internal const string FileNotFound = "QCQA001";
    /// <summary>A task parameter or QCQA property is invalid (e.g. no engine configured, engine not found).</summary>
    internal const string BadParameter = "QCQA070";
    /// <summary>The engine process could not be started.</summary>
    internal const string EngineDidNotStart = "QCQA071";
    /// <summary>The engine failed without reporting an error of its own.</summary>
    internal const string EngineFailed = "QCQA072";
    /// <summary>A dependency file is unreadable or has malformed lines (a warning; the engine then runs again).</summary>
    internal const string BadDependencyFile = "QCQA073";
}
