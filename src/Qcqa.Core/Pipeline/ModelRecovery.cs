using Qcqa.Core.Alignment;
using Qcqa.Core.Allocation;
using Qcqa.Core.Cache;
using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Memory;
using Qcqa.Core.Merge;
using Qcqa.Core.Reporting;
using Qcqa.Core.Search;
using Qcqa.Core.Spec;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// What one model's variants share for recovering quality — its calibration, its aligned merge and the aligned fitness
/// of its layers — each made on first use (a build of mean-merged variants never loads libtorch), and how each
/// variant's recipe turns into the stages' inputs.
/// </summary>
internal sealed class ModelRecovery : IDisposable
{
    private readonly ModelSpec _model;
    private readonly Checkpoint _checkpoint;
    private readonly BuildServices _services;
    private readonly DeviceKind _device;
    private readonly Lazy<CalibrationResult?> _calibration;
    private readonly Func<AlignedModelHandle, AlignedStatistics> _alignedStatistics;
    private readonly ModelContents _modelContents;
    private AlignedModelHandle? _aligned;
    private AlignedStatistics? _fitness;
    private readonly Dictionary<string, double[]> _gradientScales = new();
    private readonly Memory.MemoryLimit _memory;

    /// <param name="model">The model and its variants.</param>
    /// <param name="checkpoint">The open model.</param>
    /// <param name="services">The device math.</param>
    /// <param name="device">Where it runs.</param>
    /// <param name="log">Build log.</param>
    /// <param name="calibrate">Runs (or fetches) the calibration; null when no variant needs it or the model has none.</param>
    /// <param name="alignedStatistics">Computes (or fetches) the aligned fitness of every layer.</param>
    /// <param name="modelContents">The build's model content keys (shared with evaluation and calibration).</param>
    /// <param name="memory">The build's memory limit, which the probes and the gradient pass plan against.</param>
    internal ModelRecovery(ModelSpec model, Checkpoint checkpoint, BuildServices services, DeviceKind device, ILogger log,
        Func<CalibrationResult>? calibrate, Func<AlignedModelHandle, AlignedStatistics> alignedStatistics, ModelContents modelContents,
        Memory.MemoryLimit memory)
    {
        _memory = memory;
        _modelContents = modelContents;
        _model = model;
        _checkpoint = checkpoint;
        _services = services;
        _device = device;
        _calibration = new Lazy<CalibrationResult?>(() => calibrate?.Invoke());
        _alignedStatistics = alignedStatistics;
    }

    /// <summary>The alignment engine's code version (empty without one).</summary>
    internal string EngineVersion => _services.Alignment?.CodeVersion ?? "";

    /// <summary>The content identity of the input model (hashed once).</summary>
    internal string ModelContent => _modelContents.Of(_model.Path);

    /// <summary>The calibration identity a variant's aligned results depend on (empty without calibration).</summary>
    internal string CalibrationIdentity(VariantJob job) => job.UsesCalibration ? _calibration.Value?.Identity ?? "" : "";

    /// <summary>The search's aligned fitness for the job, or null to search on plain WSE.</summary>
    internal SearchFitness? FitnessFor(VariantJob job)
    {
        if (job.Variant.Fitness != FitnessKind.Aligned || job.Variant.Mode == GroupingMode.Mqa) return null;
        var aligned = Aligned(job);
        _fitness ??= _alignedStatistics(aligned);
        return new SearchFitness(_fitness, aligned.Model.Errors);
    }

    /// <summary>Opens the KL probe for measured or estimated costs; null for the other allocations.</summary>
    internal Func<ILayerSensitivity>? SensitivityFactory(VariantJob job, AllocationMethod method)
    {
        if (method is not (AllocationMethod.Measured or AllocationMethod.Estimated)) return null;
        var engine = Engine(job);
        return () =>
        {
            var calibration = _calibration.Value ?? throw job.Variant.Location.Error(ErrorCodes.SpecBadValue,
                $"{job.Label} allocates by probed cost, which needs calibration text.");
            return engine.OpenSensitivity(_checkpoint, calibration.Statistics, calibration.Spec.TextPath, calibration.Spec.ProbeTokens, _device.ToSpecString(), _memory);
        };
    }

    /// <summary>
    /// Computes the gradient sensitivities for <see cref="AllocationMethod.Gradient"/>; null for the other allocations.
    /// They depend on the model and its calibration alone, not on the variant, so every variant shares one pass and a
    /// later build (a new variant of a 7B) reads them from the cache instead of running it again.
    /// </summary>
    internal Func<IReadOnlyList<double>>? GradientScalesFactory(VariantJob job, AllocationMethod method, ContentCache? cache, CancellationToken cancellation)
    {
        if (method != AllocationMethod.Gradient) return null;
        var engine = Engine(job);
        return () =>
        {
            var calibration = _calibration.Value ?? throw job.Variant.Location.Error(ErrorCodes.SpecBadValue,
                $"{job.Label} allocates by gradient-estimated cost, which needs calibration text.");
            var probeTokens = calibration.Spec.ProbeTokens;
            var key = CacheKeys.GradientScales(ModelContent, calibration.Identity, probeTokens, EngineVersion);
            if (_gradientScales.TryGetValue(key.Hash, out var known)) return known;
            double[] Compute() => engine.GradientSensitivity(_checkpoint, calibration.Spec.TextPath, probeTokens, _device.ToSpecString(),
                _memory, cancellation).ToArray();
            var scales = cache is null ? Compute() : cache.GetOrAdd(key, new JsonCacheSerializer<double[]>(), Compute);
            return _gradientScales[key.Hash] = scales;
        };
    }

    /// <summary>Whether the variant's merge can be probed for its KL cost (aligned merge, calibrated model, libtorch present).</summary>
    internal bool CanMeasure(VariantJob job)
        => job.Variant.Merge == MergeMethod.Aligned && _services.Alignment is not null && _model.Calibration is not null && job.UsesCalibration;

    /// <summary>What besides the grouping decides the merged bytes: empty for the mean merge.</summary>
    internal string MergeRecipe(VariantJob job) => job.Variant.Merge == MergeMethod.Mean
        ? ""
        : $"merge=aligned;calibration={CalibrationIdentity(job)};engine={EngineVersion}";

    /// <summary>The writer's aligned projections, or null for the mean merge.</summary>
    internal Func<int, MergedProjections?>? ProjectionsFor(VariantJob job, ModelGrouping grouping)
    {
        if (job.Variant.Merge == MergeMethod.Mean) return null;
        var aligned = Aligned(job);
        return layer => aligned.Model.Projections(layer, grouping.Layers[layer].Grouping);
    }

    /// <summary>The report's description of how the variant was made.</summary>
    /// <param name="job">The variant.</param>
    /// <param name="grouping">Its grouping.</param>
    /// <param name="measured">Measured KL costs of its search's fronts, or null when none were probed.</param>
    /// <param name="alignedFronts">The search's fronts when they were scored by the exact aligned error, else null.</param>
    internal VariantRecipe Describe(VariantJob job, ModelGrouping grouping, IReadOnlyList<LayerFront>? measured, IReadOnlyList<LayerFront>? alignedFronts)
    {
        var variant = job.Variant;
        double error;
        if (variant.Merge == MergeMethod.Aligned)
        {
            // An aligned search already scored every front point with this error, and its fronts come from the cache: the
            // chosen points' scores make a no-op build of a 7B free of a second merge's worth of group fits.
            error = grouping.Layers.Sum(l => alignedFronts?[l.Index].Points.FirstOrDefault(p => p.Grouping.Equals(l.Grouping)) is { } point
                ? point.Wse
                : Aligned(job).Model.Error(l.Index, l.Grouping));
        }
        else
        {
            error = grouping.WseTotal ?? 0;
        }
        double? predicted = null;
        if (measured is not null)
            predicted = grouping.Layers.Sum(l => measured[l.Index].Points.FirstOrDefault(p => p.Grouping.Equals(l.Grouping))?.Wse ?? 0);
        return new VariantRecipe(variant.Merge.ToSpecString(), variant.Fitness.ToSpecString(), variant.Allocation.ToSpecString(),
            job.UsesCalibration && _calibration.Value is not null, variant.FineTune is not null, error, predicted);
    }

    /// <summary>Frees what the aligned merge keeps (about 2 GB at 7B) before a stage that plans its own memory.</summary>
    internal void ReleaseMemory()
    {
        _aligned?.Model.ReleaseMemory();
        // What the stages before left in the allocators' free lists is not in the next stage's plan either.
        ProcessMemory.Reclaim();
    }

    public void Dispose() => _aligned?.Model.Dispose();

    private IAlignmentEngine Engine(VariantJob job) => _services.Alignment
        ?? throw job.Variant.Location.Error(ErrorCodes.RuntimeUnavailable,
            $"{job.Label} uses the aligned merge, which needs the tensor runtime (Qcqa.Torch); this engine was built without it. Use merge: mean, fitness: wse and allocation: wse.");

    private AlignedModelHandle Aligned(VariantJob job)
    {
        if (_aligned is { } known) return known;
        var engine = Engine(job);
        var calibration = _calibration.Value;
        _aligned = new AlignedModelHandle(engine.Open(_checkpoint, calibration?.Statistics, _device.ToSpecString()), calibration?.Identity ?? "", engine.CodeVersion);
        return _aligned;
    }
}

/// <summary>A model's aligned merge with what identifies it in cache keys.</summary>
/// <param name="Model">The aligned merge.</param>
/// <param name="CalibrationIdentity">The calibration it is weighted by (empty: weights alone).</param>
/// <param name="EngineVersion">The engine's code version.</param>
internal sealed record AlignedModelHandle(IAlignedModel Model, string CalibrationIdentity, string EngineVersion);
