using System.Globalization;
using System.Security.Cryptography;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.ReferenceModel;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Text;
using TorchSharp;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var log = Console.Out;
try
{
    var options = TrainerOptions.Parse(args);
    if (options.Help)
    {
        Console.WriteLine(TrainerOptions.Usage);
        return 0;
    }
    var folder = Path.GetFullPath(options.Out ?? DefaultModelFolder());
    var cacheDir = Path.GetFullPath(options.CacheDir ?? Path.Combine(Path.GetTempPath(), "qcqa-reference-model"));

    var corpus = KjvCorpus.Load(cacheDir, options.InstallCorpus, log);
    var split = CorpusSplit.Of(corpus.Chapters);
    log.WriteLine($"corpus: {corpus.Chapters.Count} chapters; training {split.Training.Length:N0} bytes, held out {split.HeldOut.Length:N0} bytes ({split.HeldOutChapters.Count} chapters)");

    TorchRuntime.EnsureInitialized();
    if (options.Threads is { } threads) torch.set_num_threads(threads);
    log.WriteLine($"libtorch: {torch.get_num_threads()} intra-op threads");

    if (options.EvaluateOnly) return EvaluateOnly(folder, split, options.EvalBatch, log);

    torch.manual_seed(options.Seed);
    var config = ReferenceArchitecture.Config;
    var dtype = options.Dtype == "f16" ? SafetensorsDtype.F16 : SafetensorsDtype.BF16;
    var parameterCount = ReferenceArchitecture.ParameterCount(config);
    log.WriteLine($"model: {parameterCount:N0} parameters; {config.NumHiddenLayers} layers, {config.NumAttentionHeads} heads × {config.ResolvedHeadDim}, hidden {config.HiddenSize}, intermediate {config.IntermediateSize}");

    TrainingSummary summary;
    PerplexityResult trainedFloat32;
    using (var model = new LlamaModel(config, seed: options.Seed))
    {
        summary = TrainingLoop.Run(model, split, options, log);
        log.WriteLine($"trained: {summary.Steps} steps, {summary.TokensSeen:N0} tokens, {summary.WallSeconds / 60:F1} min, final loss {summary.FinalTrainingLoss:F4}");
        var evalClock = System.Diagnostics.Stopwatch.StartNew();
        trainedFloat32 = PerplexityEvaluator.Evaluate(model, split.HeldOutTokens, new PerplexityOptions { BatchSize = options.EvalBatch });
        log.WriteLine($"held-out perplexity (float32 weights): {trainedFloat32.Perplexity:F4} ({evalClock.Elapsed.TotalSeconds:F0} s)");
        HuggingFaceCheckpointWriter.Write(folder, model, dtype);
        Qcqa.Core.AtomicFile.WriteAllBytes(Path.Combine(folder, TrainingReport.HeldOutFileName), split.HeldOut);
        log.WriteLine($"wrote {folder}");
    }

    var metrics = Measure(folder, split, options.EvalBatch, log);
    var report = new TrainingReport.Inputs(folder, args, options, corpus, split, config, dtype == SafetensorsDtype.BF16 ? "bfloat16" : "float16",
        summary, metrics with { TrainedFloat32 = trainedFloat32 },
        $"TorchSharp CPU, {torch.get_num_threads()} threads, {Environment.ProcessorCount} cores shared with other work", DateTimeOffset.UtcNow);
    TrainingReport.Write(report);
    log.WriteLine($"wrote {TrainingReport.RecipeFileName} and {TrainingReport.MetricsFileName}; exact re-run: {TrainingReport.ExactCommand(report)}");
    return 0;
}
catch (TrainerException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}
catch (QcqaException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}

// Reloads the written folder and measures the shipped weights and the unigram baseline on heldout.txt.
static ReferenceMetrics Measure(string folder, CorpusSplit split, int evalBatch, TextWriter log)
{
    var heldOutPath = Path.Combine(folder, TrainingReport.HeldOutFileName);
    var heldOut = File.ReadAllBytes(heldOutPath);
    if (!heldOut.AsSpan().SequenceEqual(split.HeldOut))
        log.WriteLine($"warning: {heldOutPath} differs from the held-out slice of the current corpus; evaluating the file.");
    var clock = System.Diagnostics.Stopwatch.StartNew();
    using var checkpoint = Checkpoint.Open(folder);
    PerplexityResult shipped;
    using (var reloaded = CheckpointModelLoader.Load(checkpoint, new CheckpointLoadOptions()))
    {
        var text = TokenizedText.Load(ModelTokenizer.Load(folder), heldOutPath);
        shipped = PerplexityEvaluator.Evaluate(reloaded, text.Tokens, new PerplexityOptions { BatchSize = evalBatch });
    }
    var unigram = new UnigramBaseline(split.Training).Evaluate(heldOut);
    var modelPath = Path.Combine(folder, Checkpoint.SingleFileName);
    log.WriteLine($"held-out perplexity (reloaded checkpoint): {shipped.Perplexity:F8} over {shipped.ScoredTokens:N0} scored bytes in {shipped.Windows} windows; NLL sum {shipped.NllSum():F6} ({clock.Elapsed.TotalSeconds:F0} s)");
    log.WriteLine($"unigram perplexity: {unigram.Perplexity:F4}");
    return new ReferenceMetrics(checkpoint.ParameterCount, shipped, shipped, unigram,
        Sha256(heldOutPath), Sha256(modelPath), new FileInfo(modelPath).Length);
}

static int EvaluateOnly(string folder, CorpusSplit split, int evalBatch, TextWriter log)
{
    var metrics = Measure(folder, split, evalBatch, log);
    log.WriteLine($"parameters {metrics.ParameterCount:N0}; model.safetensors {metrics.ModelBytes:N0} bytes, sha256 {metrics.ModelSha256}; heldout.txt sha256 {metrics.HeldOutSha256}");
    return 0;
}

static string Sha256(string path)
{
    using var stream = File.OpenRead(path);
    return Convert.ToHexStringLower(SHA256.HashData(stream));
}

// samples/ReferenceModel/tiny-llama-kjv, found by walking up from the program (bin/…) or the current folder.
static string DefaultModelFolder()
{
    foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Trainer", "Trainer.csproj")))
                return Path.Combine(dir.FullName, "tiny-llama-kjv");
            var nested = Path.Combine(dir.FullName, "samples", "ReferenceModel");
            if (File.Exists(Path.Combine(nested, "Trainer", "Trainer.csproj")))
                return Path.Combine(nested, "tiny-llama-kjv");
        }
    }
    throw new TrainerException("Cannot find samples/ReferenceModel from here; pass --out.");
}
