namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>How a finished process ended.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Output">Standard output and standard error, interleaved in arrival order, one line per line.</param>
/// <param name="Duration">Wall time from start to exit.</param>
public sealed record ProcessResult(int ExitCode, string Output, TimeSpan Duration)
{
    /// <summary>True when the exit code is 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>The output's lines.</summary>
    public IReadOnlyList<string> Lines => Output.Split('\n');

    /// <summary>For assertion messages: the exit code and the output.</summary>
    public override string ToString() => $"exit code {ExitCode} after {Duration.TotalSeconds:F1} s:\n{Output}";
}
