namespace Qcqa.Core.Pipeline;

/// <summary>
/// The names of the build's stages as progress shows them. Progress is generic over the stage name: a new stage
/// (calibration, fine-tuning, …) reports under its own name and every reporter shows it without change.
/// </summary>
public static class BuildStages
{
    /// <summary>Per-layer statistics (Gram matrices) of a model.</summary>
    public const string Statistics = "statistics";

    /// <summary>Stage 1: the per-layer search of a variant's mode.</summary>
    public const string Search = "search";

    /// <summary>Stage 2: KV heads per layer under the variant's budget.</summary>
    public const string Allocation = "allocation";

    /// <summary>Writing the variant's checkpoint.</summary>
    public const string Merge = "merge";

    /// <summary>Held-out perplexity of a variant (or the original).</summary>
    public const string Evaluation = "evaluation";
}
