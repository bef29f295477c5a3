using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Llama;

namespace Qcqa.ReferenceModel;

/// <summary>Writes <c>TRAINING.md</c> and <c>reference-metrics.json</c> into the model folder.</summary>
public static class TrainingReport
{
    /// <summary>The metrics file's name.</summary>
    public const string MetricsFileName = "reference-metrics.json";

    /// <summary>The recipe file's name.</summary>
    public const string RecipeFileName = "TRAINING.md";

    /// <summary>The held-out text's file name.</summary>
    public const string HeldOutFileName = "heldout.txt";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Everything the report needs.</summary>
    public sealed record Inputs(
        string Folder,
        IReadOnlyList<string> Arguments,
        TrainerOptions Options,
        KjvCorpus Corpus,
        CorpusSplit Split,
        LlamaConfig Config,
        string DtypeName,
        TrainingSummary Summary,
        ReferenceMetrics Metrics,
        string RuntimeDescription,
        DateTimeOffset FinishedAt);

    /// <summary>Writes both files.</summary>
    public static void Write(Inputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        AtomicFile.WriteAllText(Path.Combine(inputs.Folder, MetricsFileName), MetricsJson(inputs).ToJsonString(JsonOptions) + "\n");
        AtomicFile.WriteAllText(Path.Combine(inputs.Folder, RecipeFileName), Recipe(inputs));
    }

    /// <summary>The equivalent command line that fixes the step count (for an exact re-run).</summary>
    public static string ExactCommand(Inputs inputs)
    {
        var args = new List<string>();
        for (var i = 0; i < inputs.Arguments.Count; i++)
        {
            var a = inputs.Arguments[i];
            if (a is "--minutes" or "--steps" or "--out" or "--cache-dir") { i++; continue; }
            if (a is "--install-corpus") continue;
            args.Add(a);
        }
        args.InsertRange(0, ["--steps", inputs.Summary.Steps.ToString(Inv)]);
        return "dotnet run -c Release --project samples/ReferenceModel/Trainer -- " + string.Join(' ', args);
    }

    private static JsonObject MetricsJson(Inputs x)
    {
        var m = x.Metrics;
        return new JsonObject
        {
            ["model"] = "tiny-llama-kjv",
            ["heldout_file"] = HeldOutFileName,
            ["heldout_bytes"] = m.Shipped.Tokens,
            ["heldout_sha256"] = m.HeldOutSha256,
            ["evaluation"] = new JsonObject
            {
                ["tokens"] = "UTF-8 bytes of the whole held-out file (token id = byte value); cut to the first max_tokens bytes when max_tokens is given",
                ["max_tokens"] = null,
                ["window"] = PerplexityOptions.DefaultWindowSize,
                ["windows"] = "consecutive non-overlapping windows starting at 0, W, 2W, ...; the last shorter window is included; each window is run alone from position 0",
                ["scored"] = "tokens 2..n of each window, predicted from the window's prefix; the first token of each window is not scored",
                ["arithmetic"] = "float32 forward (weights as stored, widened exactly to float32); log_softmax in float32; -log p widened to float64 and summed in float64",
                ["perplexity"] = "exp(nll_sum / scored_tokens)",
                ["windows_count"] = m.Shipped.Windows,
                ["scored_tokens"] = m.Shipped.ScoredTokens,
                ["batched_windows"] = x.Options.EvalBatch,
                ["tolerance_note"] = "batching and BLAS kernels change float32 rounding; reproductions agree to about 1e-5 relative",
            },
            ["heldout_perplexity"] = Round(m.Shipped.Perplexity, 6),
            ["heldout_nll_sum"] = Round(m.Shipped.NllSum(), 4),
            ["heldout_mean_nll"] = Round(m.Shipped.MeanNll, 8),
            ["heldout_bits_per_byte"] = Round(m.Shipped.BitsPerByte(), 6),
            ["heldout_perplexity_float32_before_rounding"] = Round(m.TrainedFloat32.Perplexity, 6),
            ["unigram_perplexity"] = Round(m.Unigram.Perplexity, 6),
            ["unigram"] = "p(b) = (count(b) + 1) / (N + 256), byte counts of the training text (N bytes); scored on the same tokens as the model",
            ["weights_dtype"] = x.DtypeName,
            ["model_sha256"] = m.ModelSha256,
            ["parameters"] = m.ParameterCount,
            ["training"] = new JsonObject
            {
                ["steps"] = x.Summary.Steps,
                ["tokens_seen"] = x.Summary.TokensSeen,
                ["wall_time_seconds"] = Math.Round(x.Summary.WallSeconds, 1),
                ["final_training_loss"] = Round(x.Summary.FinalTrainingLoss, 5),
                ["final_training_loss_steps_averaged"] = x.Summary.FinalLossWindow,
                ["seed"] = x.Options.Seed,
                ["training_bytes"] = x.Split.Training.Length,
                ["corpus"] = $"bible-kjv-text {x.Corpus.PackageVersion} (Debian), listing sha256 {x.Corpus.ListingSha256}",
            },
        };
    }

    private static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.ToEven);

    private static string Recipe(Inputs x)
    {
        var c = x.Config;
        var m = x.Metrics;
        var s = x.Summary;
        var o = x.Options;
        var sb = new StringBuilder();
        void L(string line = "") => sb.Append(line).Append('\n');
        string F(double v, string format) => v.ToString(format, Inv);

        L("# tiny-llama-kjv — how it was trained");
        L();
        L("A byte-level Llama trained from scratch on the King James Bible by `samples/ReferenceModel/Trainer`. It is the");
        L("reference model QcqaBuild compresses in its samples and tests: small enough to train on a 2-core CPU and to check");
        L("in, big enough (6 layers × 12 MHA heads) for the grouping search to matter. This file is written by the trainer.");
        L();
        L("## Result");
        L();
        L("| | |");
        L("|---|---|");
        L($"| parameters | {m.ParameterCount.ToString("N0", Inv)} |");
        L($"| steps | {s.Steps.ToString("N0", Inv)} × {o.BatchSize} windows × {o.SequenceLength} tokens |");
        L($"| tokens seen | {s.TokensSeen.ToString("N0", Inv)} ({F((double)s.TokensSeen / x.Split.Training.Length, "F2")} passes over the training text) |");
        L($"| training wall time | {F(s.WallSeconds / 60, "F1")} min ({x.RuntimeDescription}) |");
        L($"| final training loss | {F(s.FinalTrainingLoss, "F4")} nats/byte (mean of the last {s.FinalLossWindow} steps) |");
        L($"| **held-out perplexity, shipped {x.DtypeName} weights** | **{F(m.Shipped.Perplexity, "F4")}** per byte ({F(m.Shipped.BitsPerByte(), "F4")} bits/byte) |");
        L($"| held-out perplexity, float32 weights before rounding | {F(m.TrainedFloat32.Perplexity, "F4")} |");
        L($"| unigram (byte-frequency) perplexity, same tokens | {F(m.Unigram.Perplexity, "F4")} |");
        L($"| `model.safetensors` | {m.ModelBytes.ToString("N0", Inv)} bytes, {x.DtypeName}, sha256 `{m.ModelSha256}` |");
        L($"| `heldout.txt` | {m.Shipped.Tokens.ToString("N0", Inv)} bytes, sha256 `{m.HeldOutSha256}` |");
        if (s.StoppedEarly) L($"| note | the time guard stopped the run before its planned {s.PlannedSteps} steps |");
        L();
        L("`reference-metrics.json` holds the same numbers for tests.");
        L();
        L("## Re-running");
        L();
        L("```sh");
        L($"sudo {KjvCorpus.InstallCommand}      # the corpus (or run the trainer as root with --install-corpus)");
        L(ExactCommand(x));
        L("```");
        L();
        L($"The run that produced these files was started as `dotnet run -c Release --project samples/ReferenceModel/Trainer -- {string.Join(' ', x.Arguments)}`;");
        L("the command above fixes the step count it chose. Data order and initialisation depend only on `--seed`;");
        L("libtorch's CPU kernels and thread count can still change float rounding, so a re-run matches closely, not bit for bit.");
        L($"Finished {x.FinishedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Inv)} UTC.");
        L();
        L("## Corpus and licence");
        L();
        L($"The King James Version of the Bible (1611; public domain) from the Debian package `bible-kjv` / `bible-kjv-text` {x.Corpus.PackageVersion}");
        L($"(the package's text and the `bible` program are free to use and redistribute, see `/usr/share/doc/bible-kjv-text/copyright`).");
        L($"`bible -f \"{KjvCorpus.WholeBible}\"` prints all {KjvCorpus.ExpectedVerses:N0} verses, one per line, as `Ge1:1 In the beginning …`;");
        L($"the trainer removes the label and the space after it and keeps one verse per line (`\\n`), ASCII only. Listing sha256:");
        L($"`{x.Corpus.ListingSha256}`. The corpus itself is not committed; the trainer caches the listing in `--cache-dir`.");
        L();
        L("## Data split");
        L();
        L($"Chapters are numbered 0…{KjvCorpus.ExpectedChapters - 1} in canonical order (Genesis 1 … Revelation 22). Chapter i is **held out** when");
        L($"i mod {CorpusSplit.HeldOutPeriod} = {CorpusSplit.HeldOutPhase} (the 25th, 50th, … chapter): {x.Split.HeldOutChapters.Count} chapters,");
        L($"{x.Split.HeldOut.Length.ToString("N0", Inv)} bytes, concatenated in order into `heldout.txt`. The other {KjvCorpus.ExpectedChapters - x.Split.HeldOutChapters.Count} chapters,");
        L($"concatenated, are the training text ({x.Split.Training.Length.ToString("N0", Inv)} bytes); nothing of `heldout.txt` is trained on. A few verses have");
        L("near-verbatim parallels elsewhere (Kings/Chronicles, Psalms 14/53, the synoptic gospels), which is inherent in the corpus.");
        L();
        L("Held-out chapters: " + string.Join(", ", x.Split.HeldOutChapters) + ".");
        L();
        L("## Model");
        L();
        L($"Llama (`LlamaForCausalLM`, Qcqa.Torch's reference implementation): vocab {c.VocabSize} (token = UTF-8 byte, no special tokens),");
        L($"hidden {c.HiddenSize}, {c.NumHiddenLayers} layers, {c.NumAttentionHeads} query heads and {c.NumKeyValueHeads} KV heads (MHA) of size {c.ResolvedHeadDim},");
        L($"SwiGLU intermediate {c.IntermediateSize}, RMSNorm ε {F(c.RmsNormEps, "0.###e0")}, RoPE θ {F(c.RopeTheta, "G")}, max positions {c.MaxPositionEmbeddings},");
        L("untied `lm_head`, no biases. Initialisation N(0, 0.02²) for matrices, 1 for norm weights (seeded).");
        L();
        L("## Training");
        L();
        L($"- Batches: {o.BatchSize} windows of {o.SequenceLength + 1} consecutive training bytes at uniformly random offsets (with replacement),");
        L($"  drawn by SplitMix64 seeded from `--seed` ({o.Seed}); inputs are bytes 1..{o.SequenceLength}, targets bytes 2..{o.SequenceLength + 1}:");
        L($"  {(o.BatchSize * o.SequenceLength).ToString("N0", Inv)} predicted tokens per step. Loss: mean cross-entropy over all of them.");
        L($"- AdamW, β = (0.9, 0.95), ε = 1e-8, decoupled weight decay {F(o.WeightDecay, "G")} on matrices (embeddings, projections, lm_head),");
        L("  none on norm weights.");
        L($"- Learning rate: linear warm-up over {o.WarmupSteps} steps to {F(o.LearningRate, "0.###e0")}, cosine decay to {F(o.LearningRate * o.MinLearningRateRatio, "0.###e0")} at the last step.");
        L($"- Gradient clipping: global L2 norm {F(o.GradientClip, "G")}.");
        L("- float32 throughout; the written weights are rounded once to " + x.DtypeName + " (nearest, ties to even) by Qcqa.Core's `SafetensorsWriter`.");
        L();
        L("Training loss (mean over each logging interval, nats/byte):");
        L();
        L("| step | loss | lr | tokens/s |");
        L("|---:|---:|---:|---:|");
        var every = Math.Max(1, s.Log.Count / 16);
        for (var i = 0; i < s.Log.Count; i++)
        {
            if (i % every != 0 && i != s.Log.Count - 1) continue;
            var p = s.Log[i];
            L($"| {p.Step} | {F(p.Loss, "F4")} | {F(p.LearningRate, "0.00e0")} | {F(p.TokensPerSecond, "F0")} |");
        }
        if (s.Evaluations.Count > 0)
        {
            L();
            L("Held-out perplexity during training (first 32 windows of `heldout.txt` only, float32 weights):");
            L();
            L(string.Join(", ", s.Evaluations.Select(e => $"{e.Step}: {F(e.Perplexity, "F3")}")) + ".");
        }
        L();
        L("## Evaluation (the definition the project's evaluator shares)");
        L();
        L("Perplexity per byte of `heldout.txt`, measured by reloading the written folder (Qcqa.Torch `CheckpointModelLoader` →");
        L("`PerplexityEvaluator`, the path `dotnet qcqa eval` takes), so it is the perplexity of the weights as shipped:");
        L();
        L("1. tokens = the UTF-8 bytes of the whole file (cut to the first `max_tokens` if given; not cut here);");
        L($"2. split into consecutive non-overlapping windows of W = {PerplexityOptions.DefaultWindowSize} tokens starting at 0, W, 2W, …; the last, shorter window");
        L($"   is included ({m.Shipped.Windows} windows here); each window is a separate sequence starting at position 0;");
        L("3. in a window of n tokens, tokens 2..n are scored from their prefix in the window; the first token is not scored");
        L($"   ({m.Shipped.ScoredTokens.ToString("N0", Inv)} scored tokens here);");
        L("4. float32 forward pass, log-softmax in float32, −log p of each scored token widened to float64 and summed in float64;");
        L("   perplexity = exp(sum / scored tokens).");
        L();
        L($"Sum of −log p: {F(m.Shipped.NllSum(), "F4")} nats; mean {F(m.Shipped.MeanNll, "F8")} nats/byte. Windows were evaluated {x.Options.EvalBatch} at a time;");
        L("another implementation agrees to about 1e-5 relative (float32 rounding of batched kernels), not to the last bit.");
        L();
        L("Unigram baseline: p(b) = (count(b) + 1) / (N + 256) from the byte counts of the training text (add-one smoothing over");
        L("all 256 values), scored on the same tokens (every byte except each window's first).");
        return sb.ToString();
    }
}
