namespace Qcqa.Cli.Tests.Hostile;

/// <summary>One hostile input: what the case breaks, the command it runs, and the one code it must be reported with.</summary>
/// <param name="Family">checkpoint, config, index, grouping, spec, cli or environment.</param>
/// <param name="Name">What is broken, as a sentence fragment.</param>
/// <param name="Code">The expected code of the first error line.</param>
/// <param name="Arrange">Breaks the workspace.</param>
/// <param name="Args">The command line to run.</param>
/// <param name="Keyword">A word the message must contain, or null.</param>
internal sealed record HostileCase(string Family, string Name, string Code, Action<HostileWorkspace> Arrange, Func<HostileWorkspace, string[]> Args, string? Keyword = null)
{
    /// <summary>Shown by the test runner.</summary>
    public override string ToString() => $"{Family}: {Name}";
}
