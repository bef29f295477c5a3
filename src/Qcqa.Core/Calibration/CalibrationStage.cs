using System.Diagnostics;
using Qcqa.Core.Build;
using Qcqa.Core.Cache;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Memory;
using Qcqa.Core.Spec;
using Qcqa.Core.Progress;
using Serilog;

namespace Qcqa.Core.Calibration;

/// <summary>
/// The calibration stage: one forward pass of each original model over its calibration text, run by Qcqa.Torch
/// (<see cref="ICalibrator"/>), content-cached (<see cref="CacheKeys.Calibration"/>: model content, text content,
/// token cap, code), so a second build or another variant never runs it again. Its cost is logged.
/// </summary>
/// <param name="calibrator">The libtorch side; null where it is not available (then asking for calibration is an error).</param>
/// <param name="cache">The build's content cache.</param>
/// <param name="log">Receives hits, misses and the pass's cost.</param>
/// <param name="dependencies">Records the calibration texts as build inputs.</param>
/// <param name="progress">Told when the stage starts and finishes (default: nothing is reported).</param>
/// <param name="modelContents">The build's model content keys (default: hashed by this stage alone).</param>
/// <param name="memory">The memory limit the pass is planned against (default: a share of the machine's memory).</param>
public sealed class CalibrationStage(ICalibrator? calibrator, ContentCache cache, ILogger log, DependencyFileWriter dependencies, BuildProgress? progress = null,
    ModelContents? modelContents = null, MemoryLimit? memory = null)
{
    // Below this, statistics stay in memory as well as in the cache (a small model's are a few MB).
    private const long InMemoryBytes = 256L << 20;

    private readonly MemoryLimit _memory = memory ?? MemoryLimit.Resolve(null);
    private readonly ModelContents _modelContents = modelContents ?? new ModelContents();
    private readonly BuildProgress _progress = progress ?? BuildProgress.None;
    private readonly Dictionary<string, CalibrationResult> _memo = new(StringComparer.Ordinal);

    /// <summary>The model's calibration statistics, from the cache or a new pass.</summary>
    /// <exception cref="QcqaException">
    /// QCQA050 positioned at the spec's calibration section when the text is missing, empty or shorter than one window;
    /// QCQA060 when libtorch or the device is unavailable.
    /// </exception>
    public CalibrationResult Run(CalibrationInput input, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(input);
        var spec = input.Spec;
        if (!File.Exists(spec.TextPath))
            throw spec.Location.Error(ErrorCodes.BadEvaluationInput, $"The calibration text file '{spec.TextPath}' does not exist.");
        dependencies.AddInput(spec.TextPath);
        var textHash = ContentHash.ComputeFile(spec.TextPath);
        var modelContent = _modelContents.Of(input.ModelFolder);
        var engine = calibrator?.CodeVersion ?? "";
        var key = CacheKeys.Calibration(modelContent, textHash, spec.MaxTokens, engine);
        if (_memo.TryGetValue(key.Hash, out var known)) return known;

        var clock = Stopwatch.StartNew();
        var computed = false;
        var step = _progress.Stage(BuildStages.Calibration, input.Label);
        var statistics = Cached(key);
        if (statistics is null)
        {
            computed = true;
            step.Started($"{spec.MaxTokens:N0} tokens of {Path.GetFileName(spec.TextPath)}");
            if (calibrator is null)
                throw spec.Location.Error(ErrorCodes.RuntimeUnavailable, "Calibration needs the tensor runtime (Qcqa.Torch), which this engine was built without.");
            try
            {
                statistics = Compute(key, input, cancellation);
            }
            catch (QcqaException e) when (e.Code == ErrorCodes.BadEvaluationInput)
            {
                // The text is the spec's choice: point at the spec, and keep the file in the message.
                throw spec.Location.Error(e.Code, $"The calibration text '{spec.TextPath}' cannot be used: {e.Message}");
            }
        }
        if (computed)
            log.Debug("Calibration {Model}: {Tokens:N0} tokens of {Text} in {Seconds:0.0} s", input.Label, statistics.Tokens, Path.GetFileName(spec.TextPath), clock.Elapsed.TotalSeconds);
        else
            log.Debug("Calibration {Model}: calibration hit ({Tokens:N0} tokens)", input.Label, statistics.Tokens);
        step.Finished(computed ? $"{statistics.Tokens:N0} tokens in {clock.Elapsed.TotalSeconds:0.0} s" : "from cache");
        return _memo[key.Hash] = new CalibrationResult(statistics, key.Hash, spec);
    }

    // Layers are stored one entry each as the pass completes them, and the index (token and layer counts) last, so
    // an interrupted pass leaves no index and is run again. Statistics small enough are also kept in memory.
    private CalibrationStatistics Compute(CacheKey key, CalibrationInput input, CancellationToken cancellation)
    {
        var kept = new List<LayerCalibration>();
        long keptBytes = 0;
        var layers = 0;
        var tokens = calibrator!.Calibrate(input.ModelFolder, input.Spec.TextPath, input.Spec.MaxTokens, input.Device.ToSpecString(), _memory,
            (layer, statistics) =>
            {
                cache.Put(CacheKeys.CalibrationLayer(key, layer), statistics, LayerCalibrationSerializer.Instance);
                layers++;
                keptBytes += LayerCalibrationSerializer.SizeOf(statistics);
                if (keptBytes <= InMemoryBytes) kept.Add(statistics);
                else kept.Clear();
                // A 7B layer's moment is a 134 MB array, garbage once stored; the GC would keep its region.
                ProcessMemory.Reclaim();
            }, cancellation);
        cache.Put(key, new CalibrationIndex(tokens, layers), CalibrationIndex.Serializer);
        return keptBytes <= InMemoryBytes ? new CalibrationStatistics(tokens, kept) : OnDemand(key, new CalibrationIndex(tokens, layers));
    }

    private CalibrationStatistics? Cached(CacheKey key)
    {
        if (!cache.TryGet(key, CalibrationIndex.Serializer, out var index)) return null;
        for (var layer = 0; layer < index.Layers; layer++)
            if (!File.Exists(cache.GetEntryPath(CacheKeys.CalibrationLayer(key, layer))))
                return null;
        return OnDemand(key, index);
    }

    private CalibrationStatistics OnDemand(CacheKey key, CalibrationIndex index) => new(index.Tokens, index.Layers, layer =>
    {
        var entry = CacheKeys.CalibrationLayer(key, layer);
        if (cache.TryGet(entry, LayerCalibrationSerializer.Instance, out var statistics)) return statistics;
        throw new QcqaException(ErrorCodes.WriteFailed,
            $"Layer {layer}'s calibration statistics are missing from the cache (deleted or unwritable during the build); build again to recompute them.",
            cache.GetEntryPath(entry));
    });
}
