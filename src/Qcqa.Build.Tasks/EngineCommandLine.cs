namespace Qcqa.Build.Tasks;

/// <summary>A program and its argument list, as the task will start it.</summary>
/// <param name="FileName">The program (e.g. the <c>dotnet</c> host).</param>
/// <param name="Arguments">The arguments, unquoted; the runtime quotes each for the OS.</param>
internal sealed record EngineCommandLine(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>The command as a person would type it (for the build log; quoting is indicative).</summary>
    public override string ToString() => string.Join(" ", new[] { FileName }.Concat(Arguments).Select(Quote));

    private static string Quote(string argument)
        => argument.Length > 0 && !argument.Any(c => char.IsWhiteSpace(c) || c == '"') ? argument : $"\"{argument.Replace("\"", "\\\"")}\"";
}
