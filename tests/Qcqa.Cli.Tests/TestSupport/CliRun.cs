namespace Qcqa.Cli.Tests.TestSupport;

/// <summary>The outcome of one in-process run of <c>dotnet qcqa</c>.</summary>
/// <param name="ExitCode">What the process would exit with.</param>
/// <param name="Output">Everything written to standard output.</param>
/// <param name="Error">Everything written to standard error (logs and diagnostics).</param>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>
    /// Parses a real argument array with the tool's root command and invokes it, capturing the console. Callers
    /// must be in <see cref="ConsoleCollection"/>.
    /// </summary>
    public static Task<CliRun> InvokeAsync(params string[] args) => InvokeAsync(CancellationToken.None, args);

    /// <summary>As <see cref="InvokeAsync(string[])"/>, with a cancellation token standing for a signal.</summary>
    public static async Task<CliRun> InvokeAsync(CancellationToken cancellation, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var (savedOut, savedError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exitCode = await QcqaApp.InvokeAsync(args, Console.Error, cancellation);
            return new CliRun(exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
    }

    /// <summary>The lines of standard error that are canonical diagnostics (<c>file(pos): error CODE: message</c>).</summary>
    public IReadOnlyList<string> ErrorLines =>
        Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Contains(": error QCQA", StringComparison.Ordinal)).ToArray();
}
