using Qcqa.Core.Reporting;

namespace Qcqa.Core.Pipeline;

/// <summary>What a build produced and read.</summary>
/// <param name="Rows">The summary rows: each model's original, then its variants.</param>
/// <param name="Inputs">Every file the build read (spec, model files, held-out text).</param>
/// <param name="Outputs">Every file the build owns in the output folder (written now or already current).</param>
public sealed record BuildResult(IReadOnlyList<VariantSummary> Rows, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
