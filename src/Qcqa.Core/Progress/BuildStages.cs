namespace Qcqa.Core.Progress;

/// <summary>
/// The names under which the build's stages report progress. Progress is generic over the name: a stage that is not
/// listed here reports under a name of its own (one lower-case word or phrase, e.g. <c>"fine-tuning"</c>) and every
/// reporter shows it without change; listing it here only gives the name one spelling.
/// </summary>
public static class BuildStages
{
    /// <summary>Per-layer statistics (Gram matrices) of a model.</summary>
    public const string Statistics = "statistics";

    /// <summary>One forward pass of the original model over the calibration text.</summary>
    public const string Calibration = "calibration";

    /// <summary>The aligned fitness: per layer, the error the aligned merge leaves for every pair of heads.</summary>
    public const string AlignedFitness = "aligned fitness";

    /// <summary>The measured (or estimated) KL cost of each layer's candidate groupings, which stage 2 allocates on.</summary>
    public const string LayerCosts = "layer costs";

    /// <summary>Uptraining of a variant's merged checkpoint.</summary>
    public const string FineTuning = "fine-tuning";

    /// <summary>Stage 1: the per-layer search of a variant's mode.</summary>
    public const string Search = "search";

    /// <summary>Stage 2: KV heads per layer under the variant's budget.</summary>
    public const string Allocation = "allocation";

    /// <summary>Writing the variant's checkpoint.</summary>
    public const string Merge = "merge";

    /// <summary>Held-out perplexity of a variant (or the original).</summary>
    public const string Evaluation = "evaluation";
}
