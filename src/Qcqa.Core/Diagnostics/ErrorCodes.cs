namespace Qcqa.Core.Diagnostics;

/// <summary>
/// Every diagnostic code the engine emits. Codes are stable: documentation and users' build logs refer to them,
/// so a code is never reused for a different problem.
/// </summary>
public static class ErrorCodes
{
    /// <summary>An input file or folder does not exist or cannot be read.</summary>
    public const string FileNotFound = "QCQA001";
    /// <summary>The output location is unusable (outside the output folder, not writable, a file in the way).</summary>
    public const string BadOutputPath = "QCQA002";
    /// <summary>A command-line argument is invalid.</summary>
    public const string BadArgument = "QCQA003";
    /// <summary>Writing an output failed (disk full, permission denied, path too long, read-only file system).</summary>
    public const string WriteFailed = "QCQA004";
    /// <summary>The operation was cancelled (Ctrl-C, SIGTERM); nothing partial was kept.</summary>
    public const string Cancelled = "QCQA005";

    /// <summary>A safetensors file is malformed (header, offsets, sizes).</summary>
    public const string MalformedSafetensors = "QCQA010";
    /// <summary>A tensor has a dtype the engine does not support.</summary>
    public const string UnsupportedDtype = "QCQA011";
    /// <summary>A tensor the model needs is missing.</summary>
    public const string MissingTensor = "QCQA012";
    /// <summary><c>config.json</c> is missing, malformed or inconsistent.</summary>
    public const string BadModelConfig = "QCQA013";
    /// <summary>A tensor's shape disagrees with the config.</summary>
    public const string ShapeMismatch = "QCQA014";
    /// <summary>The shard index <c>model.safetensors.index.json</c> is malformed or inconsistent.</summary>
    public const string BadShardIndex = "QCQA015";
    /// <summary>An attention weight (Q/K/V/O or bias) holds NaN or infinite values.</summary>
    public const string NonFiniteWeights = "QCQA016";

    /// <summary>A grouping file is malformed or does not fit the model.</summary>
    public const string BadGrouping = "QCQA020";

    /// <summary>A KV-cache budget cannot be met or is out of range.</summary>
    public const string ImpossibleBudget = "QCQA030";

    /// <summary>The spec (<c>qcqa.yaml</c>) is not valid YAML.</summary>
    public const string SpecSyntax = "QCQA040";
    /// <summary>The spec has a key the schema does not know.</summary>
    public const string SpecUnknownKey = "QCQA041";
    /// <summary>A spec value has the wrong type or is out of range.</summary>
    public const string SpecBadValue = "QCQA042";
    /// <summary>The spec names a model folder that does not exist.</summary>
    public const string SpecMissingModel = "QCQA043";
    /// <summary>A required spec key is missing.</summary>
    public const string SpecMissingKey = "QCQA044";

    /// <summary>An evaluation input (held-out text) is missing or unusable.</summary>
    public const string BadEvaluationInput = "QCQA050";
    /// <summary>A model's tokenizer file is missing, malformed, of an unsupported kind, or does not fit its embedding.</summary>
    public const string BadTokenizer = "QCQA051";
    /// <summary>An evaluation produced a result that is not a finite number.</summary>
    public const string NonFiniteResult = "QCQA052";
    /// <summary>The tensor runtime (libtorch) could not be loaded or the device is unavailable.</summary>
    public const string RuntimeUnavailable = "QCQA060";
    /// <summary>A stage's planned peak memory exceeds the memory limit; it stopped before starting, naming the stage, the estimate and the limit.</summary>
    public const string InsufficientMemory = "QCQA061";

    /// <summary>The fine-tuning input is unusable: the text is shorter than one window, holds ids outside the vocabulary, or the teacher does not fit the model.</summary>
    public const string BadFineTuningInput = "QCQA080";
    /// <summary>Fine-tuning diverged: the loss or the gradient norm became NaN or infinite; nothing was written.</summary>
    public const string FineTuningDiverged = "QCQA081";

    /// <summary>A weight outside the attention projections holds NaN or infinite values (a warning).</summary>
    public const string NonFiniteWarning = "QCQA091";
    /// <summary>Evaluation in bfloat16 on a processor without bfloat16 arithmetic, where it is several times slower than float32 (a warning).</summary>
    public const string SlowPrecisionWarning = "QCQA092";
    /// <summary>A warning the engine logged without a more specific code (relayed to MSBuild as a warning).</summary>
    public const string GeneralWarning = "QCQA090";

    // QCQA070-079 belong to the MSBuild tasks: EngineContract.TaskError (src/Shared/EngineContract.cs).
}
