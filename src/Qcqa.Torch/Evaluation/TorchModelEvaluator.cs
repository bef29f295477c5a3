using Qcqa.Core.Cache;
using Qcqa.Core.Evaluation;
using Qcqa.Core.Spec;
using Qcqa.Torch.Text;
using Serilog;

namespace Qcqa.Torch.Evaluation;

/// <summary>
/// The build pipeline's evaluator: held-out perplexity (per token of the model's own tokenizer, and in bits per
/// byte) plus a short generation run with a real KV cache.
/// </summary>
/// <param name="log">Progress log.</param>
public sealed class TorchModelEvaluator(ILogger log) : IModelEvaluator
{
    /// <summary>Tokens generated greedily to measure KV-cache bytes per token and decode speed.</summary>
    public const int GeneratedTokens = 64;

    // Variants carry their input's tokenizer files, so one tokenization serves a model and all its variants.
    private readonly Dictionary<(string Text, int MaxTokens, string Tokenizer), TokenizedText> _texts = new();

    /// <inheritdoc />
    public ModelQuality Evaluate(string modelFolder, EvaluationSpec evaluation, DeviceKind device, Core.Memory.MemoryLimit memory, CancellationToken cancellation)
    {
        var text = Text(modelFolder, evaluation);
        var options = Options(memory) with { Precision = evaluation.Precision };
        var result = CheckpointEvaluation.Run(modelFolder, text, options, device.ToSpecString(), log, null, cancellation, warnNonFinite: false);
        return new ModelQuality(result.Perplexity, result.ScoredTokens, result.WindowSize,
            (long)Math.Round(result.KvCacheBytesPerToken ?? 0), result.DecodeTokensPerSecond ?? 0, result.BitsPerByte, result.Tokenizer)
        {
            Precision = evaluation.Precision.ToSpecString(),
        };
    }

    /// <inheritdoc />
    public void CheckMemory(string modelFolder, EvaluationSpec evaluation, Core.Memory.MemoryLimit memory)
        => CheckpointEvaluation.CheckMemory(modelFolder, Text(modelFolder, evaluation), Options(memory));

    private static EvaluationOptions Options(Core.Memory.MemoryLimit memory)
        => new() { GenerateTokens = GeneratedTokens, AutomaticBatch = true, Memory = memory };

    private TokenizedText Text(string modelFolder, EvaluationSpec evaluation)
    {
        var key = (evaluation.TextPath, evaluation.MaxTokens, CacheKeys.TokenizerContent(modelFolder));
        if (!_texts.TryGetValue(key, out var text))
            _texts[key] = text = TokenizedText.Load(ModelTokenizer.Load(modelFolder), evaluation.TextPath, evaluation.MaxTokens);
        return text;
    }
}
