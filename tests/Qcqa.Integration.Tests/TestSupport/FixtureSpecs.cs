namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>The spec the fixture projects build (shared with the build-noop benchmark, which links this folder).</summary>
internal static class FixtureSpecs
{
    /// <summary>GQA, EC and AC at 50 % of the synthetic model's KV cache, with small search settings.</summary>
    internal const string ThreeVariants = """
        defaults:
          search: { population: 16, generations: 10, seed: 1 }
        models:
          - name: tiny
            path: model
            variants:
              - { name: gqa, mode: gqa, budget: 0.5 }
              - { name: ec, mode: equal, budget: 0.5 }
              - { name: ac, mode: arbitrary, budget: 0.5 }
        """;

    /// <summary>EC and AC at 50 % (the three variants without GQA), no evaluation: the package consumer of the build-noop benchmark.</summary>
    internal static readonly string TwoVariants = Without(ThreeVariants, "      - { name: gqa, mode: gqa, budget: 0.5 }\n");

    private static string Without(string spec, string line)
        => spec.Contains(line, StringComparison.Ordinal) ? spec.Replace(line, "", StringComparison.Ordinal) : throw new InvalidOperationException($"The spec has no line '{line.TrimEnd()}'.");
}
