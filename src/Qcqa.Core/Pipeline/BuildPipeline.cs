using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Build;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Output;
using Qcqa.Core.Spec;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// <c>dotnet qcqa build</c>: spec → plan → statistics → search → merge → write → evaluate → report, each stage in its
/// own type. Expensive intermediates come from the content cache; variants whose inputs did not change keep their
/// files untouched.
/// </summary>
public static class BuildPipeline
{
    /// <summary>Runs the build.</summary>
    /// <param name="request">Spec, folders and overrides.</param>
    /// <param name="log">Structured log (progress, cache hits and misses).</param>
    /// <param name="evaluator">Evaluates checkpoints when the spec names held-out text; null skips evaluation with a warning.</param>
    /// <param name="cancellation">Stops between stages; no partial output is kept.</param>
    /// <param name="progress">Told when each stage starts, moves on and finishes, per model or variant, and the summary.</param>
    /// <exception cref="QcqaSpecException">The spec has errors (all of them are listed).</exception>
    /// <exception cref="QcqaException">A model, budget or output path problem.</exception>
    public static BuildResult Run(BuildRequest request, ILogger log, IModelEvaluator? evaluator, CancellationToken cancellation = default,
        IProgress<BuildProgressEvent>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var spec = SpecReader.Load(request.SpecPath);
        var outputRoot = OutputPaths.Full(request.OutputFolder, "The output folder");
        CheckFolders(outputRoot, OutputPaths.Full(request.CacheFolder, "The cache folder"), spec);
        var cache = new ContentCache(request.CacheFolder, log);
        var dependencies = new DependencyFileWriter();
        dependencies.AddInput(spec.SourcePath);

        var evaluation = EvaluationFor(spec, evaluator, cache, log, dependencies, progress);
        var rows = new List<VariantSummary>();
        var outputs = new List<string>();
        foreach (var model in spec.Models)
        {
            cancellation.ThrowIfCancellationRequested();
            using var checkpoint = Checkpoint.Open(model.Path);
            checkpoint.CheckAttentionFinite();
            WarningCodes.LogNonFinite(log, checkpoint);
            foreach (var file in ModelSignature.Files(model.Path)) dependencies.AddInput(file);
            var units = GroupingEvaluator.UnitsPerLayer(checkpoint);
            var problems = model.Variants.SelectMany(v => v.ValidateBudget(units)).ToList();
            if (problems.Count > 0) throw new QcqaSpecException(problems);

            var stage = Stopwatch.StartNew();
            progress?.Report(BuildProgressEvent.Started(BuildStages.Statistics, model.Name, $"{checkpoint.LayerCount} layers"));
            var (grams, layerHashes, hits) = LayerStatistics.Compute(checkpoint, cache, log, request.Threads, cancellation);
            progress?.Report(BuildProgressEvent.Finished(BuildStages.Statistics, model.Name,
                $"{checkpoint.LayerCount} layers, {checkpoint.LayerCount - hits} computed, {hits} from cache", stage.Elapsed));
            var signature = ModelSignature.Compute(model.Path);
            var search = new SearchStage(cache, log, request.Threads, progress);
            var energy = grams.Sum(g => g.Trace);

            var device = request.DeviceOverride ?? model.Variants.FirstOrDefault()?.Device ?? DeviceKind.Cpu;
            rows.Add(new VariantSummary(model.Name, "original", "original", null, units.Sum(), units.Sum(), checkpoint.KvCacheBytesPerToken,
                0, 0, Path.GetFullPath(model.Path), false,
                evaluation?.Evaluate($"{model.Name}/original", model.Path, evaluation.ModelContent(model.Path), device, cancellation)));

            foreach (var variant in model.Variants)
            {
                cancellation.ThrowIfCancellationRequested();
                var folder = VariantFolder(outputRoot, model, variant);
                var subject = $"{model.Name}/{variant.Name}";
                var fronts = search.Fronts(model.Name, subject, grams, layerHashes, variant, cancellation);
                stage.Restart();
                var grouping = Allocate(grams, fronts, variant);
                progress?.Report(BuildProgressEvent.Finished(BuildStages.Allocation, subject, string.Create(CultureInfo.InvariantCulture,
                    $"{grouping.KvHeadsTotal}/{grouping.HeadsTotal} KV heads ({100.0 * grouping.KvHeadsTotal / grouping.HeadsTotal:0.0} %), relative WSE {(grouping.WseTotal ?? 0) / energy:0.0000}"), stage.Elapsed));
                stage.Restart();
                progress?.Report(BuildProgressEvent.Started(BuildStages.Merge, subject));
                var rebuilt = VariantWriter.Write(checkpoint, signature, grouping, folder, cancellation);
                progress?.Report(BuildProgressEvent.Finished(BuildStages.Merge, subject, rebuilt ? "written" : "up to date", stage.Elapsed));
                log.Debug("Variant {Model}/{Variant}: {Outcome}, {KvHeads}/{Heads} KV heads, WSE relative {Wse:0.0000}",
                    model.Name, variant.Name, rebuilt ? "written" : "up to date", grouping.KvHeadsTotal, grouping.HeadsTotal, grouping.WseTotal / energy);
                outputs.AddRange(Directory.EnumerateFiles(folder));

                var kvBytes = checkpoint.KvCacheBytesPerTokenWith(l => grouping.Layers[l].Grouping.GroupCount);
                var quality = evaluation?.Evaluate($"{model.Name}/{variant.Name}", folder, evaluation.VariantContent(model.Path, grouping),
                    request.DeviceOverride ?? variant.Device, cancellation);
                rows.Add(new VariantSummary(model.Name, variant.Name, variant.Mode.ToSpecString(), variant.Budget?.ToCanonicalString(),
                    grouping.KvHeadsTotal, grouping.HeadsTotal, kvBytes, grouping.WseTotal ?? 0, energy > 0 ? (grouping.WseTotal ?? 0) / energy : 0,
                    folder, rebuilt, quality));
            }
        }

        var reports = BuildReport.Write(outputRoot, rows);
        outputs.AddRange(reports);
        foreach (var output in outputs) dependencies.AddOutput(output);
        if (request.DependencyFile is not null) dependencies.Write(request.DependencyFile);
        log.Debug("Built {Variants} variants of {Models} models in {Seconds:0.0} s; cache {Hits} hits, {Misses} misses",
            rows.Count(r => r.Mode != "original"), spec.Models.Count, clock.Elapsed.TotalSeconds, cache.Statistics.Hits, cache.Statistics.Misses);
        var variants = rows.Where(r => r.Mode != "original").ToList();
        var report = reports.FirstOrDefault(r => r.EndsWith(".md", StringComparison.Ordinal)) ?? reports.FirstOrDefault();
        progress?.Report(BuildProgressEvent.Summary(string.Create(CultureInfo.InvariantCulture,
            $"{variants.Count(r => r.Rebuilt)} variants written, {variants.Count(r => !r.Rebuilt)} up to date in {clock.Elapsed.TotalSeconds:0.0} s; report {report}"), clock.Elapsed));
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
            var at = model.PathLocation;
            foreach (var (folder, what) in new[] { (outputRoot, "output folder"), (cacheRoot, "cache folder") })
            {
                var real = OutputPaths.Real(folder);
                if (OutputPaths.IsSameOrInside(real, OutputPaths.Real(model.Path)))
                    throw new QcqaException(ErrorCodes.BadOutputPath,
                        $"The {what} '{folder}' is inside model folder '{model.Path}' (model '{model.Name}'); inputs are never modified, choose a {what} elsewhere.", at.File, at.Line, at.Column);
            }
        }
    }

    private static EvaluationStage? EvaluationFor(QcqaSpec spec, IModelEvaluator? evaluator, ContentCache cache, ILogger log, DependencyFileWriter dependencies,
        IProgress<BuildProgressEvent>? progress)
    {
        if (spec.Evaluation is not { } evaluation) return null;
        if (!File.Exists(evaluation.TextPath))
            throw evaluation.Location.Error(ErrorCodes.BadEvaluationInput, $"The held-out text file '{evaluation.TextPath}' does not exist.");
        dependencies.AddInput(evaluation.TextPath);
        if (evaluator is null)
        {
            log.Warning("The spec asks for evaluation but no evaluator is available; skipping it");
            return null;
        }
        return new EvaluationStage(evaluator, evaluation, cache, log, progress);
    }

    // Output names come from the spec; one that climbs out of the output folder must not write elsewhere.
    private static string VariantFolder(string outputRoot, ModelSpec model, VariantSpec variant)
    {
        var folder = Path.GetFullPath(Path.Combine(outputRoot, model.Name, variant.OutputName));
        var root = outputRoot.EndsWith(Path.DirectorySeparatorChar) ? outputRoot : outputRoot + Path.DirectorySeparatorChar;
        if (!folder.StartsWith(root, StringComparison.Ordinal) || Path.GetFullPath(Path.Combine(outputRoot, model.Name)) == folder)
            throw variant.Location.Error(ErrorCodes.BadOutputPath, $"The output of {model.Name}/{variant.Name} would be '{folder}', outside the output folder '{outputRoot}'.");
        return folder;
    }

    private static ModelGrouping Allocate(GramMatrix[] grams, IReadOnlyList<Search.LayerFront>? fronts, VariantSpec variant)
    {
        try
        {
            return GroupingPlanner.Allocate(grams, fronts, variant.Mode, variant.Budget is { } b ? BudgetMapping.ToKvBudget(b) : null);
        }
        catch (QcqaException e) when (e.Code == ErrorCodes.ImpossibleBudget && e.File is null)
        {
            var at = variant.Budget?.Location ?? variant.Location;
            throw new QcqaException(e.Code, $"{variant.ModelName}/{variant.Name}: {e.Message}", at.File, at.Line, at.Column, e);
        }
    }
}
