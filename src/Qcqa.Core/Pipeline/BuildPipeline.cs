using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Allocation;
using Qcqa.Core.Calibration;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Grouping;
using Qcqa.Core.Build;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Evaluation;
using Qcqa.Core.Merge;
using Qcqa.Core.Output;
using Qcqa.Core.Progress;
using Qcqa.Core.Reporting;
using Qcqa.Core.Search;
using Qcqa.Core.Spec;
using Qcqa.Core.Statistics;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// <c>dotnet qcqa build</c>: reads the spec, plans every variant of every model (<see cref="VariantJob"/>), and runs
/// the stages in data-flow order — statistics once per model, then per variant search, allocation, merge and
/// evaluation — and finally the report. It only orchestrates: every stage lives in its own folder with a typed
/// input and output, and expensive intermediates come from the content cache. Stages report their progress per
/// model or variant through one <see cref="BuildProgress"/> (allocation and merge, which have no state of their own,
/// are reported here), and the build ends with a summary.
/// </summary>
public static class BuildPipeline
{
    /// <summary>Runs the build with an evaluator only (no calibration, aligned merge or fine-tuning available).</summary>
    /// <param name="request">Spec, folders and overrides.</param>
    /// <param name="log">Structured log (progress, cache hits and misses).</param>
    /// <param name="evaluator">Evaluates checkpoints when the spec names held-out text; null skips evaluation with a warning.</param>
    /// <param name="cancellation">Stops between stages; no partial output is kept.</param>
    /// <param name="progress">Told when each stage starts, moves on and finishes, per model or variant, and the summary; null shows nothing.</param>
    /// <exception cref="QcqaException">As <see cref="Run(BuildRequest, ILogger, BuildServices, CancellationToken, IProgress{BuildProgressEvent})"/>.</exception>
    public static BuildResult Run(BuildRequest request, ILogger log, IModelEvaluator? evaluator, CancellationToken cancellation = default,
        IProgress<BuildProgressEvent>? progress = null)
        => Run(request, log, new BuildServices { Evaluator = evaluator }, cancellation, progress);

    /// <summary>Runs the build.</summary>
    /// <param name="request">Spec, folders and overrides.</param>
    /// <param name="log">Structured log (progress, cache hits and misses).</param>
    /// <param name="services">The device math the stages call (Qcqa.Torch).</param>
    /// <param name="cancellation">Stops between stages; no partial output is kept.</param>
    /// <param name="progress">Told when each stage starts, moves on and finishes, per model or variant, and the summary; null shows nothing.</param>
    /// <exception cref="QcqaException">
    /// The spec has errors (a <see cref="QcqaSpecException"/> listing all of them), or a model, budget or output
    /// path problem.
    /// </exception>
    public static BuildResult Run(BuildRequest request, ILogger log, BuildServices services, CancellationToken cancellation = default,
        IProgress<BuildProgressEvent>? progress = null)
    {
        Preconditions.CheckNotNull(request);
        Preconditions.CheckNotNull(services);
        var clock = Stopwatch.StartNew();
        var spec = SpecReader.Load(request.SpecPath, new SpecReaderOptions { CalibrationText = request.CalibrationText });
        var outputRoot = OutputPaths.Full(request.OutputFolder, "The output folder");
        var cacheRoot = OutputPaths.Full(request.CacheFolder, "The cache folder");
        CheckFolders(outputRoot, cacheRoot, spec);
        var cache = new ContentCache(request.CacheFolder, log);
        var dependencies = new DependencyFileWriter();
        dependencies.AddInput(spec.SourcePath);

        var memory = request.MemoryLimit is { } overridden
            ? Memory.MemoryLimit.Resolve(overridden, "--memory-limit (QcqaMemoryLimit)")
            : Memory.MemoryLimit.Resolve(spec.MemoryLimitBytes, $"memory_limit in {spec.SourcePath}");
        var reporter = new BuildProgress(progress);
        var statisticsStage = new StatisticsStage(cache, log, request.Threads, reporter);
        var modelContents = new ModelContents(cache);
        var calibrationStage = new CalibrationStage(services.Calibrator, cache, log, dependencies, reporter, modelContents, memory);
        var alignedStatisticsStage = new AlignedStatisticsStage(cache, log, reporter);
        var searchStage = new SearchStage(cache, log, reporter);
        var costStage = new LayerCostStage(cache, log, reporter);
        // Merged and fine-tuned checkpoints are kept whole in the cache: a deleted output is restored, not recomputed.
        var checkpoints = new CheckpointCache(request.CacheFolder, log);
        var mergeStage = new MergeStage(checkpoints);
        var fineTuneStage = new FineTuneStage(services.FineTuner, log, dependencies, reporter, checkpoints);
        var evaluationStage = EvaluationStage.For(spec.Evaluation, services.Evaluator, cache, log, dependencies, reporter, modelContents, memory);
        MemoryPreflight.Check(spec, services, model => model.Variants.Any(VariantJob.NeedsCalibration), memory);
        var rows = new List<VariantSummary>();
        var outputs = new List<string>();
        foreach (var model in spec.Models)
        {
            cancellation.ThrowIfCancellationRequested();
            using var checkpoint = Checkpoint.Open(model.Path);
            checkpoint.CheckAttentionFinite();
            WarningCodes.LogNonFinite(log, cache.GetOrAdd(CacheKeys.NonFiniteScan(model.Path), new JsonCacheSerializer<NonFiniteTensor[]>(),
                () => checkpoint.NonFiniteOutsideAttention.ToArray()));
            foreach (var file in CacheKeys.ModelFiles(model.Path)) dependencies.AddInput(file);
            var jobs = VariantJob.Plan(model, checkpoint.KvHeadsPerLayer, outputRoot, request, method => AllocationDefaults.Resolve(method, checkpoint));
            var statistics = statisticsStage.Run(checkpoint, model.Name, cancellation);
            var device = request.DeviceOverride ?? spec.DefaultDevice;
            using var recovery = new ModelRecovery(model, checkpoint, services, device, log,
                model.Calibration is { } calibration && jobs.Any(j => j.UsesCalibration)
                    ? () => calibrationStage.Run(new CalibrationInput(model.Name, model.Path, calibration, device), cancellation)
                    : null,
                aligned => alignedStatisticsStage.Run(checkpoint, statistics, aligned.Model, aligned.CalibrationIdentity, aligned.EngineVersion, model.Name),
                modelContents, memory);

            var originalQuality = evaluationStage?.Run(
                new EvaluationInput($"{model.Name}/original", model.Path, model.Path, null, device), cancellation);
            rows.Add(VariantSummary.Original(model.Name, model.Path, checkpoint.KvHeadsPerLayer.Sum(), checkpoint.KvCacheBytesPerToken, originalQuality));

            foreach (var job in jobs)
            {
                cancellation.ThrowIfCancellationRequested();
                var variant = job.Variant;
                var searchInput = new SearchInput(statistics, variant.Mode, job.Search, recovery.FitnessFor(job)) { Label = job.Label };
                var fronts = searchStage.Run(searchInput, cancellation);
                var costInput = fronts is null ? null : new LayerCostInput($"{job.Label} ({variant.Allocation.ToSpecString()})", fronts,
                    SearchStage.KeyOf(searchInput).Hash, variant.Allocation, statistics, recovery.SensitivityFactory(job, variant.Allocation),
                    recovery.CalibrationIdentity(job), variant.Calibration?.ProbeTokens ?? 0, recovery.EngineVersion)
                    { GradientScales = recovery.GradientScalesFactory(job, variant.Allocation, cache, cancellation) };
                // The gradient pass and the probes plan their memory from the shapes too (the search's kept Grams are not in it).
                if (costInput is not null && variant.Allocation is AllocationMethod.Gradient or AllocationMethod.Measured or AllocationMethod.Estimated)
                    recovery.ReleaseMemory();
                var costs = costInput is null ? null : costStage.Run(costInput, cancellation);
                // Every aligned variant of a calibrated model reports the KL its grouping is predicted to cost (shared with
                // the measured variants of the same search, so usually from the memo), to compare allocations on one scale.
                // Above the size where measured costs are the default (AllocationDefaults), probing every point only to
                // report it would cost hours: large models report the costs their allocation used.
                var measured = costInput is not null && recovery.CanMeasure(job)
                    ? variant.Allocation == AllocationMethod.Measured ? costs
                        : AllocationDefaults.Resolve(AllocationMethod.Auto, checkpoint) == AllocationMethod.Measured
                            ? costStage.Run(costInput with { Method = AllocationMethod.Measured, Sensitivity = recovery.SensitivityFactory(job, AllocationMethod.Measured) }, cancellation)
                            : null
                    : null;
                var allocation = reporter.Stage(BuildStages.Allocation, job.Label);
                var allocated = AllocationStage.Run(new AllocationInput(statistics, costs, variant.Mode, job.Budget));
                var grouping = Reported.WithWse(allocated, statistics);
                allocation.Finished(string.Create(CultureInfo.InvariantCulture,
                    $"{grouping.KvHeadsTotal}/{grouping.HeadsTotal} KV heads ({100.0 * grouping.KvHeadsTotal / grouping.HeadsTotal:0.0} %), relative WSE {(grouping.WseTotal ?? 0) / statistics.Energy:0.0000}"));

                var recipe = recovery.MergeRecipe(job);
                var mergeInput = new MergeInput(checkpoint, grouping, job.OutputFolder, recipe, recovery.ProjectionsFor(job, grouping));
                // What the merged checkpoint's content depends on; computed only where a key is needed (it hashes the model).
                string MergedIdentity() => CacheKeys.VariantContent(recovery.ModelContent, GroupingFile.ToJson(grouping), recipe);
                string folder;
                bool rebuilt;
                var evaluationRecipe = recipe;
                if (variant.FineTune is { } fineTune)
                {
                    var mergedIdentity = MergedIdentity();
                    // Fine-tuning plans its memory from the shapes alone; what the aligned merge keeps is not in that plan.
                    // (Its merge, when not restored from the cache, prepares the layers it needs again.)
                    recovery.ReleaseMemory();
                    var fineTuned = fineTuneStage.Run(new FineTuneInput(job.Label, mergeInput with { OutputFolder = Path.Combine(cacheRoot, "merged", mergedIdentity) },
                        model.Path, fineTune, job.OutputFolder, mergedIdentity, job.Device, memory), mergeStage, cancellation);
                    (folder, rebuilt) = (fineTuned.Folder, fineTuned.Rebuilt);
                    outputs.AddRange(fineTuned.Files);
                    evaluationRecipe = $"{recipe};finetuned={fineTuned.Identity}";
                }
                else
                {
                    // The merge holds one layer's float64 projections and their copies for the writer (about 2 GB at 7B).
                    recovery.ReleaseMemory();
                    var merge = reporter.Stage(BuildStages.Merge, job.Label);
                    merge.Started();
                    var merged = mergeStage.Run(mergeInput with
                    {
                        ContentIdentity = MergedIdentity,
                    }, cancellation);
                    merge.Finished(merged.Restored ? "restored from cache" : merged.Rebuilt ? "written" : "up to date");
                    (folder, rebuilt) = (merged.Folder, merged.Rebuilt);
                    outputs.AddRange(merged.Files);
                }
                log.Debug("Variant {Variant}: {Outcome}, {KvHeads}/{Heads} KV heads, WSE relative {Wse:0.0000}",
                    job.Label, rebuilt ? "written" : "up to date", grouping.KvHeadsTotal, grouping.HeadsTotal, grouping.WseTotal / statistics.Energy);

                recovery.ReleaseMemory();
                var quality = evaluationStage?.Run(new EvaluationInput(job.Label, folder, model.Path, grouping, job.Device, evaluationRecipe), cancellation);
                var kvBytes = checkpoint.KvCacheBytesPerTokenWith(l => grouping.Layers[l].Grouping.GroupCount);
                rows.Add(VariantSummary.Compressed(model.Name, variant.Name, variant.Budget?.ToCanonicalString(), grouping, statistics.Energy,
                    kvBytes, folder, rebuilt, quality, recovery.Describe(job, grouping, measured, searchInput.Fitness is null ? null : fronts)));
            }
        }

        var reports = BuildReport.Write(outputRoot, rows);
        outputs.AddRange(reports);
        foreach (var output in outputs) dependencies.AddOutput(output);
        if (request.DependencyFile is not null) dependencies.Write(request.DependencyFile);
        log.Debug("Built {Variants} variants of {Models} models in {Seconds:0.0} s; cache {Hits} hits, {Misses} misses",
            rows.Count(r => !r.IsOriginal), spec.Models.Count, clock.Elapsed.TotalSeconds, cache.Statistics.Hits, cache.Statistics.Misses);
        var variants = rows.Where(r => !r.IsOriginal).ToList();
        var report = reports.FirstOrDefault(r => r.EndsWith(".md", StringComparison.Ordinal)) ?? reports.FirstOrDefault();
        reporter.Summary(string.Create(CultureInfo.InvariantCulture,
            $"{variants.Count(r => r.Rebuilt)} variants written, {variants.Count(r => !r.Rebuilt)} up to date in {clock.Elapsed.TotalSeconds:0.0} s; report {report}"), clock.Elapsed);
        return new BuildResult(rows, dependencies.Inputs, dependencies.Outputs);
    }

    // Outputs and cache never go into a model folder (inputs are never modified, whatever links the paths take), and
    // the output and cache folders are kept apart: the cache is not a build output and outputs are not cache entries.
    private static void CheckFolders(string outputRoot, string cacheRoot, QcqaSpec spec)
    {
        if (OutputPaths.Overlap(outputRoot, cacheRoot))
            throw new QcqaException(ErrorCodes.BadOutputPath,
                $"The output folder '{outputRoot}' and the cache folder '{cacheRoot}' overlap (one is the other or inside it); give them separate folders.", outputRoot);
        foreach (var model in spec.Models)
        {
            foreach (var (folder, what) in new[] { (outputRoot, "output folder"), (cacheRoot, "cache folder") })
            {
                var real = OutputPaths.Real(folder);
                if (OutputPaths.IsSameOrInside(real, OutputPaths.Real(model.Path)))
                    throw model.PathLocation.Error(ErrorCodes.BadOutputPath,
                        $"The {what} '{folder}' is inside model folder '{model.Path}' (model '{model.Name}'); inputs are never modified, choose a {what} elsewhere.");
            }
        }
    }
}
