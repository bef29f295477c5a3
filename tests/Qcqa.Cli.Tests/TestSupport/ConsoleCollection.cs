namespace Qcqa.Cli.Tests.TestSupport;

/// <summary>
/// Tests that run commands in process redirect <see cref="Console"/>, which is global: they share this collection
/// so that they never run at the same time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";
}
