namespace Qcqa.Benchmarks;

/// <summary>
/// A benchmark the dispatcher can run by name. Implementations need a public parameterless constructor; the
/// dispatcher finds them by reflection, so adding a benchmark is adding one class.
/// </summary>
public interface IBenchmark
{
    /// <summary>The name given on the command line, e.g. <c>wse-throughput</c>.</summary>
    string Name { get; }

    /// <summary>One line saying what it measures.</summary>
    string Description { get; }

    /// <summary>Runs and prints figures to standard output; never asserts on timing.</summary>
    /// <param name="args">Arguments after the name.</param>
    void Run(string[] args);
}
