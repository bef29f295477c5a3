using Qcqa.Integration.Tests.TestSupport;

namespace Qcqa.Integration.Tests;

/// <summary>
/// Every integration test is in this one collection: they run one at a time (the machine has two cores and each
/// test runs whole builds) and share one <see cref="IntegrationFixture"/>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class IntegrationCollection : ICollectionFixture<IntegrationFixture>
{
    public const string Name = "Integration";
}

/// <summary>
/// What is expensive and shared: the two packages, packed once, on first use (most tests build against the
/// repository's build/ files and fresh outputs and never pack), and the tool installed from them once.
/// </summary>
public sealed class IntegrationFixture : IDisposable
{
    private readonly Lazy<LocalPackages> _packages = new(LocalPackages.Pack);
    private readonly Lazy<InstalledTool> _tool;

    public IntegrationFixture() => _tool = new(() => InstalledTool.Install(Packages));

    /// <summary>QcqaBuild and QcqaBuild.Tool packed from this working copy (packs on first use).</summary>
    public LocalPackages Packages => _packages.Value;

    /// <summary>The tool installed from <see cref="Packages"/> into a temporary tool path (installs on first use).</summary>
    public InstalledTool Tool => _tool.Value;

    public void Dispose()
    {
        if (_tool.IsValueCreated) _tool.Value.Dispose();
        if (_packages.IsValueCreated) _packages.Value.Dispose();
    }
}
