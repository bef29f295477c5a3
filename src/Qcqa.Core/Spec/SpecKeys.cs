namespace Qcqa.Core.Spec;

/// <summary>The keys each mapping of the spec accepts, in documentation order (also the order hints list them).</summary>
internal static class SpecKeys
{
    internal static readonly string[] TopLevel = ["version", "memory_limit", "defaults", "calibration", "evaluation", "models"];
    internal static readonly string[] Defaults = ["device", "search", "merge", "fitness", "allocation", "finetune"];
    internal static readonly string[] Calibration = ["text", "max_tokens", "probe_tokens"];
    internal static readonly string[] FineTune = ["text", "steps", "tokens", "learning_rate", "batch_tokens", "sequence_length", "loss", "params", "seed", "mode"];
    internal static readonly string[] Search = ["population", "generations", "seed"];
    internal static readonly string[] Evaluation = ["text", "max_tokens", "precision"];
    internal static readonly string[] Model = ["name", "path", "calibration", "variants"];
    internal static readonly string[] Variant = ["name", "mode", "budget", "merge", "fitness", "allocation", "finetune", "search", "device", "output"];
    internal static readonly string[] Budget = ["global", "per_layer", "layers", "keep_mha"];

    /// <summary>The only spec format version so far.</summary>
    internal const int CurrentVersion = 1;

    /// <summary>Largest layer index a spec may name (no model comes close; keeps ranges cheap to expand).</summary>
    internal const int MaxLayerIndex = 9999;

    /// <summary>Largest KV-head count a per-layer entry may ask for.</summary>
    internal const int MaxHeadCount = 65536;
}
