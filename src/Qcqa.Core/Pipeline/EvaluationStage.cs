using Qcqa.Core.Cache;
using Qcqa.Core.Spec;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The evaluate stage: held-out quality of a checkpoint folder, cached by the content of its config and weights,
/// the text, and the settings — so an unchanged variant is never evaluated twice, wherever its folder lives.
/// </summary>
internal sealed class EvaluationStage(IModelEvaluator evaluator, EvaluationSpec evaluation, ContentCache cache, ILogger log)
{
    private readonly string _textHash = ContentHash.ComputeFile(evaluation.TextPath);

    internal ModelQuality Evaluate(string label, string folder, DeviceKind device, CancellationToken cancellation)
    {
        var builder = new CacheKeyBuilder("eval").Add(CodeIdentity.Version).AddHash(_textHash).Add(evaluation.MaxTokens);
        foreach (var file in ModelSignature.Files(folder).Where(IsModelDefinition))
            builder.Add(Path.GetFileName(file)).AddHash(ContentHash.ComputeFile(file));
        var key = builder.Build();
        var computed = false;
        var quality = cache.GetOrAdd(key, new JsonCacheSerializer<ModelQuality>(), () =>
        {
            computed = true;
            log.Information("Evaluating {Label} on {Text}", label, Path.GetFileName(evaluation.TextPath));
            return evaluator.Evaluate(folder, evaluation, device, cancellation);
        });
        log.Information("Evaluation {Label}: {Outcome}, perplexity {Perplexity:0.000}", label, computed ? "eval miss" : "eval hit", quality.Perplexity);
        return quality;
    }

    private static bool IsModelDefinition(string path)
    {
        var name = Path.GetFileName(path);
        return name == "config.json" || name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".safetensors.index.json", StringComparison.Ordinal);
    }
}
