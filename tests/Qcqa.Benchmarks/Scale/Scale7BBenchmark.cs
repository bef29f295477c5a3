using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Memory;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Calibration;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Text;
using static TorchSharp.torch;

namespace Qcqa.Benchmarks.Scale;

/// <summary>
/// The runtime's stages on a whole Llama-2-7B-shaped BF16 checkpoint (13.5 GB; `dotnet qcqa synth --preset
/// llama2-7b`), in this process, one after the other: reading the weight files, converting one decoder layer,
/// evaluation (perplexity over N tokens) and calibration (N tokens). Each prints its wall time, processor time and
/// peak resident memory (and peak anonymous memory) beside its arithmetic floor on this machine: the FLOPs of the
/// pass at the float32 matmul speed measured here first, and the bytes it reads at the page-cache speed measured here.
/// </summary>
public sealed class Scale7BBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "scale-7b";

    /// <inheritdoc />
    public string Description => "evaluation and calibration of a Llama-2-7B-shaped checkpoint, layer-streamed: wall, CPU, peak RSS vs arithmetic floor " +
                                 "[model-dir] [--tokens N] [--stages read,layer,eval,calibration]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var tokens = 2048;
        string? model = null;
        var stages = new HashSet<string>(["read", "layer", "eval", "calibration"], StringComparer.Ordinal);
        for (var a = 0; a < args.Length; a++)
        {
            if (args[a] == "--tokens") tokens = int.Parse(args[++a], CultureInfo.InvariantCulture);
            else if (args[a] == "--stages") stages = [.. args[++a].Split(',')];
            else model = args[a];
        }
        using var folder = new TempFolder("scale7b");
        if (model is null)
        {
            model = folder.Combine("llama2-7b");
            Console.WriteLine($"writing a synthetic Llama-2-7B-shaped checkpoint (13.5 GB) to {model}; it is deleted afterwards");
            SyntheticLlamaCheckpoint.Write(model, SyntheticCheckpointOptions.Llama2_7B);
        }
        TorchRuntime.EnsureInitialized();
        var text = folder.Combine("text.txt");
        File.WriteAllText(text, Repeat(File.ReadAllText(RepositoryLayout.Combine("samples", "ReferenceModel", "tiny-llama-kjv", "heldout.txt")), tokens * 8));

        LlamaConfig config;
        long fileBytes;
        using (var checkpoint = Checkpoint.Open(model))
        {
            config = CheckpointModelLoader.ReadConfig(checkpoint);
            fileBytes = Directory.GetFiles(model, "*.safetensors").Sum(f => new FileInfo(f).Length);
        }
        var limit = MemoryLimit.Resolve(null);
        var gflops = MatmulGflops();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {model}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, MLP {config.IntermediateSize}, vocab {config.VocabSize}; {fileBytes / 1e9:F1} GB of weights"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"float32 matmul here: {gflops:F0} GFLOP/s on {get_num_threads()} threads; memory limit {MemoryLimit.Format(limit.Bytes)} ({limit.Source}); {tokens:N0} tokens per stage"));

        var readSpeed = 0.0;
        if (stages.Contains("read"))
        {
            var meter = StageMeter.Start();
            foreach (var file in Directory.GetFiles(model, "*.safetensors")) Drain(file);
            var figures = meter.Stop();
            readSpeed = fileBytes / figures.Wall.TotalSeconds;
            Print("read the weight files", figures, $"{readSpeed / 1e9:F2} GB/s (the page cache's speed when the files are cached)");
        }

        if (stages.Contains("layer"))
        {
            using var checkpoint = Checkpoint.Open(model);
            var layerTensors = checkpoint.Tensors.Where(t => t.Name.StartsWith("model.layers.0.", StringComparison.Ordinal)).ToList();
            var buffer = new float[layerTensors.Max(t => t.Info.ElementCount)];
            var convert = StageMeter.Start();
            foreach (var t in layerTensors) t.ReadSingles(0, buffer.AsSpan(0, (int)t.Info.ElementCount));
            Print("read and convert layer 0's tensors into an array", convert.Stop(),
                $"{layerTensors.Sum(t => t.Info.ByteLength) / 1e6:F0} MB stored; the floor of a layer's conversion without libtorch");
            using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Residency = LayerResidency.Streamed });
            const int layers = 4;
            var meter = StageMeter.Start();
            for (var l = 0; l < layers; l++) weights.Layer(l).Dispose();
            var figures = meter.Stop();
            var perLayer = figures.Wall.TotalSeconds / layers;
            Print($"convert {layers} decoder layers to float32", figures,
                $"{perLayer:F2} s per layer, {perLayer * config.NumHiddenLayers:F1} s per pass over {config.NumHiddenLayers} layers");
        }

        var forward = ForwardFlops(config, tokens, CalibrationText.WindowSize);
        if (stages.Contains("eval"))
        {
            var tokenized = TokenizedText.Load(ModelTokenizer.Load(model), text, tokens);
            var meter = StageMeter.Start();
            var result = CheckpointEvaluation.Run(model, tokenized, new EvaluationOptions { AutomaticBatch = true, GenerateTokens = TorchModelEvaluator.GeneratedTokens }, "cpu");
            var figures = meter.Stop();
            Print($"evaluate {result.Tokens:N0} tokens (perplexity {result.Perplexity:F1})", figures, Floor(forward, gflops, fileBytes, readSpeed));
        }

        if (stages.Contains("calibration"))
        {
            var d = (double)config.HiddenSize;
            // The moments (2·T·D² per layer, float64) and the head-output spreads (expanding every head's output to D).
            var extra = config.NumHiddenLayers * (2.0 * tokens * d * d + 2.0 * tokens * config.NumAttentionHeads * d * CalibrationText.WindowSize);
            var meter = StageMeter.Start();
            var layers = 0;
            var count = new TorchCalibrator().Calibrate(model, text, tokens, "cpu", limit, (_, _) => layers++, CancellationToken.None);
            var figures = meter.Stop();
            Print($"calibrate on {count:N0} tokens ({layers} layers)", figures, Floor(forward + extra, gflops, fileBytes, readSpeed));
        }
    }

    private static void Print(string stage, StageFigures figures, string floor)
        => Console.WriteLine($"{stage,-48} {figures}  | {floor}");

    private static string Floor(double flops, double gflops, long bytes, double readSpeed)
    {
        var c = CultureInfo.InvariantCulture;
        var compute = string.Create(c, $"floor: {flops / 1e12:F1} TFLOP at {gflops:F0} GFLOP/s = {flops / gflops / 1e9:F0} s");
        return readSpeed > 0 ? compute + string.Create(c, $", reading {bytes / 1e9:F1} GB = {bytes / readSpeed:F0} s") : compute;
    }

    // 2 FLOP per multiply-add: the projections and the MLP (2·params per token), QKᵀ and AV over causal windows
    // computed in full (4·T·W·d per layer), and the output projection.
    private static double ForwardFlops(LlamaConfig config, long tokens, int window)
    {
        double d = config.HiddenSize, q = (double)config.NumAttentionHeads * config.ResolvedHeadDim;
        var kv = (double)config.LayoutOf(0).KvHeads * config.ResolvedHeadDim;
        var perLayerParams = d * (q + 2 * kv) + q * d + 3 * d * config.IntermediateSize;
        var attention = 4.0 * tokens * window * q;
        return config.NumHiddenLayers * (2 * tokens * perLayerParams + attention) + 2.0 * tokens * d * config.VocabSize;
    }

    private static double MatmulGflops()
    {
        using var scope = NewDisposeScope();
        var a = randn(new long[] { 2048, 4096 });
        var b = randn(new long[] { 4096, 4096 });
        a.matmul(b).Dispose();
        var clock = Stopwatch.StartNew();
        const int runs = 5;
        for (var i = 0; i < runs; i++) a.matmul(b).Dispose();
        return runs * 2.0 * 2048 * 4096 * 4096 / clock.Elapsed.TotalSeconds / 1e9;
    }

    private static void Drain(string file)
    {
        var buffer = new byte[8 << 20];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        while (stream.Read(buffer) > 0)
        {
        }
    }

    private static string Repeat(string text, int characters)
    {
        var builder = new System.Text.StringBuilder(characters + text.Length);
        while (builder.Length < characters) builder.Append(text);
        return builder.ToString();
    }
}
