using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Spec;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The evaluate stage: held-out quality of a checkpoint folder, cached by what determines it — the content of the
/// input model, the grouping (for a variant) and the code — plus the text and settings. The input's weights are
/// hashed once per build, not once per variant: a merged checkpoint is a function of input content and grouping.
/// </summary>
internal sealed class EvaluationStage(IModelEvaluator evaluator, EvaluationSpec evaluation, ContentCache cache, ILogger log, IProgress<BuildProgressEvent>? progress = null)
{
    private readonly string _textHash = ContentHash.ComputeFile(evaluation.TextPath);
    private readonly Dictionary<string, string> _modelHashes = new(StringComparer.Ordinal);

    /// <summary>The content identity of an input model folder: its config and weights (hashed once per build).</summary>
    internal string ModelContent(string modelFolder)
    {
        if (_modelHashes.TryGetValue(modelFolder, out var known)) return known;
        var builder = new CacheKeyBuilder("model-content");
        foreach (var file in ModelSignature.Files(modelFolder).Where(IsModelDefinition))
            builder.Add(Path.GetFileName(file)).AddHash(ContentHash.ComputeFile(file));
        return _modelHashes[modelFolder] = builder.Build().Hash;
    }

    /// <summary>The content identity of a variant: its input's content and its grouping.</summary>
    internal string VariantContent(string modelFolder, ModelGrouping grouping)
        => new CacheKeyBuilder("variant-content").AddHash(ModelContent(modelFolder)).Add(GroupingFile.ToJson(grouping)).Build().Hash;

    /// <summary>Evaluates <paramref name="folder"/>, whose content is identified by <paramref name="contentIdentity"/>.</summary>
    internal ModelQuality Evaluate(string label, string folder, string contentIdentity, DeviceKind device, CancellationToken cancellation)
    {
        var key = new CacheKeyBuilder("eval").Add(CodeIdentity.Version).AddHash(_textHash).Add(evaluation.MaxTokens).AddHash(contentIdentity).Build();
        var computed = false;
        var clock = Stopwatch.StartNew();
        var quality = cache.GetOrAdd(key, new JsonCacheSerializer<ModelQuality>(), () =>
        {
            computed = true;
            progress?.Report(BuildProgressEvent.Started(BuildStages.Evaluation, label, Path.GetFileName(evaluation.TextPath)));
            log.Debug("Evaluating {Label} on {Text}", label, Path.GetFileName(evaluation.TextPath));
            return evaluator.Evaluate(folder, evaluation, device, cancellation);
        });
        log.Debug("Evaluation {Label}: {Outcome}, perplexity {Perplexity:0.000}", label, computed ? "eval miss" : "eval hit", quality.Perplexity);
        progress?.Report(BuildProgressEvent.Finished(BuildStages.Evaluation, label, string.Create(CultureInfo.InvariantCulture,
            $"perplexity {quality.Perplexity:0.000}{(computed ? "" : ", from cache")}"), clock.Elapsed));
        return quality;
    }

    // The tokenizer files count: they decide the tokens the model is evaluated on (and the merger copies them).
    private static bool IsModelDefinition(string path)
    {
        var name = Path.GetFileName(path);
        return name == "config.json" || TokenizerFileNames.All.Contains(name) || name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".safetensors.index.json", StringComparison.Ordinal);
    }
}
