namespace Qcqa.Cli.Infrastructure;

/// <summary>How much the tool logs, in the dotnet CLI's vocabulary (<c>-v q|n|d|diag</c>).</summary>
internal enum Verbosity
{
    /// <summary>Warnings and errors only.</summary>
    Quiet,
    /// <summary>Progress and results.</summary>
    Normal,
    /// <summary>Also cache hits and misses, per-layer details.</summary>
    Detailed,
    /// <summary>Everything.</summary>
    Diagnostic,
}
