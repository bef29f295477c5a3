using System.Globalization;
using Qcqa.Core.Build;
using Qcqa.Core.Cache;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Memory;
using Qcqa.Core.Progress;
using Qcqa.Core.Spec;
using Serilog;

namespace Qcqa.Core.Evaluation;

/// <summary>
/// The evaluation stage: held-out quality of a checkpoint folder, cached by what determines it — the content of the
/// input model, the grouping (for a variant) and the code — plus the text and settings (<see cref="CacheKeys.Evaluation"/>).
/// The input's weights are hashed once per build, not once per variant: a merged checkpoint is a function of input
/// content and grouping.
/// </summary>
public sealed class EvaluationStage
{
    private readonly IModelEvaluator _evaluator;
    private readonly EvaluationSpec _evaluation;
    private readonly ContentCache _cache;
    private readonly ILogger _log;
    private readonly BuildProgress _progress;
    private readonly string _textHash;
    private readonly ModelContents _modelContents;
    private readonly MemoryLimit _memory;

    private EvaluationStage(IModelEvaluator evaluator, EvaluationSpec evaluation, ContentCache cache, ILogger log, BuildProgress progress, ModelContents modelContents,
        MemoryLimit memory)
    {
        _memory = memory;
        _modelContents = modelContents;
        _evaluator = evaluator;
        _evaluation = evaluation;
        _cache = cache;
        _log = log;
        _progress = progress;
        _textHash = ContentHash.ComputeFile(evaluation.TextPath);
    }

    /// <summary>
    /// The stage for a spec's <c>evaluation</c> section, or null when the spec has none or no evaluator is available
    /// (logged as a warning). Records the held-out text as a build input.
    /// </summary>
    /// <param name="evaluation">The spec's <c>evaluation</c> section, or null.</param>
    /// <param name="evaluator">Runs a checkpoint on the text (Qcqa.Torch), or null when none is available.</param>
    /// <param name="cache">The build's content cache.</param>
    /// <param name="log">Receives hits and misses.</param>
    /// <param name="dependencies">Receives the held-out text as an input.</param>
    /// <param name="progress">Told when each evaluation starts and finishes (default: nothing is reported).</param>
    /// <param name="modelContents">The build's model content keys (default: hashed by this stage alone).</param>
    /// <param name="memory">The memory limit evaluations plan against (default: the machine's default share). Not part of the
    /// cache key: the chunking it decides leaves the figures bit-identical.</param>
    /// <exception cref="QcqaException">QCQA050 when the held-out text does not exist.</exception>
    public static EvaluationStage? For(EvaluationSpec? evaluation, IModelEvaluator? evaluator, ContentCache cache, ILogger log, DependencyFileWriter dependencies,
        BuildProgress? progress = null, ModelContents? modelContents = null, MemoryLimit? memory = null)
    {
        Preconditions.CheckNotNull(cache);
        Preconditions.CheckNotNull(log);
        Preconditions.CheckNotNull(dependencies);
        if (evaluation is null) return null;
        if (!File.Exists(evaluation.TextPath))
            throw evaluation.Location.Error(ErrorCodes.BadEvaluationInput, $"The held-out text file '{evaluation.TextPath}' does not exist.");
        dependencies.AddInput(evaluation.TextPath);
        if (evaluator is null)
        {
            log.Warning("The spec asks for evaluation but no evaluator is available; skipping it");
            return null;
        }
        return new EvaluationStage(evaluator, evaluation, cache, log, progress ?? BuildProgress.None, modelContents ?? new ModelContents(),
            memory ?? MemoryLimit.Resolve(null));
    }

    /// <summary>Evaluates the input's folder, or serves its quality from the cache.</summary>
    /// <param name="input">The checkpoint and how to identify its content.</param>
    /// <param name="cancellation">Stops the evaluation.</param>
    public ModelQuality Run(EvaluationInput input, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(input);
        var modelContent = _modelContents.Of(input.InputModel);
        var identity = input.Grouping is null ? modelContent : CacheKeys.VariantContent(modelContent, GroupingFile.ToJson(input.Grouping), input.Recipe);
        var computed = false;
        var step = _progress.Stage(BuildStages.Evaluation, input.Label);
        var quality = _cache.GetOrAdd(CacheKeys.Evaluation(_textHash, _evaluation.MaxTokens, identity, _evaluation.Precision), new JsonCacheSerializer<ModelQuality>(), () =>
        {
            computed = true;
            var text = Path.GetFileName(_evaluation.TextPath);
            _log.Debug("Evaluating {Label} on {Text}", input.Label, text);
            step.Started(text);
            return _evaluator.Evaluate(input.Folder, _evaluation, input.Device, _memory, cancellation);
        });
        _log.Debug("Evaluation {Label}: {Outcome}, perplexity {Perplexity:0.000}", input.Label, computed ? "eval miss" : "eval hit", quality.Perplexity);
        step.Finished(string.Create(CultureInfo.InvariantCulture, $"perplexity {quality.Perplexity:0.000}{(computed ? "" : ", from cache")}"));
        return quality;
    }
}
