using System.Diagnostics;
using Qcqa.Core.Build;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
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
    /// <exception cref="QcqaSpecException">The spec has errors (all of them are listed).</exception>
    /// <exception cref="QcqaException">A model, budget or output path problem.</exception>
    public static BuildResult Run(BuildRequest request, ILogger log, IModelEvaluator? evaluator, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var spec = SpecReader.Load(request.SpecPath);
        var outputRoot = Path.GetFullPath(request.OutputFolder);
        var cache = new ContentCache(request.CacheFolder, log);
        var dependencies = new DependencyFileWriter();
        dependencies.AddInput(spec.SourcePath);

        var evaluation = EvaluationFor(spec, evaluator, cache, log, dependencies);
        var rows = new List<VariantSummary>();
        var outputs = new List<string>();
        foreach (var model in spec.Models)
        {
            cancellation.ThrowIfCancellationRequested();
            using var checkpoint = Checkpoint.Open(model.Path);
            foreach (var file in ModelSignature.Files(model.Path)) dependencies.AddInput(file);
            var units = GroupingEvaluator.UnitsPerLayer(checkpoint);
            var problems = model.Variants.SelectMany(v => v.ValidateBudget(units)).ToList();
            if (problems.Count > 0) throw new QcqaSpecException(problems);

            var (grams, layerHashes) = LayerStatistics.Compute(checkpoint, cache, log, request.Threads, cancellation);
            var signature = ModelSignature.Compute(model.Path);
            var search = new SearchStage(cache, log, request.Threads);
            var energy = grams.Sum(g => g.Trace);

            var device = request.DeviceOverride ?? model.Variants.FirstOrDefault()?.Device ?? DeviceKind.Cpu;
            rows.Add(new VariantSummary(model.Name, "original", "original", null, units.Sum(), units.Sum(), checkpoint.KvCacheBytesPerToken,
                0, 0, Path.GetFullPath(model.Path), false,
                evaluation?.Evaluate($"{model.Name}/original", model.Path, evaluation.ModelContent(model.Path), device, cancellation)));

            foreach (var variant in model.Variants)
            {
                cancellation.ThrowIfCancellationRequested();
                var folder = VariantFolder(outputRoot, model, variant);
                var fronts = search.Fronts(model.Name, grams, layerHashes, variant, cancellation);
                var grouping = Allocate(grams, fronts, variant);
                var rebuilt = VariantWriter.Write(checkpoint, signature, grouping, folder);
                log.Information("Variant {Model}/{Variant}: {Outcome}, {KvHeads}/{Heads} KV heads, WSE relative {Wse:0.0000}",
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

        outputs.AddRange(BuildReport.Write(outputRoot, rows));
        foreach (var output in outputs) dependencies.AddOutput(output);
        if (request.DependencyFile is not null) dependencies.Write(request.DependencyFile);
        log.Information("Built {Variants} variants of {Models} models in {Seconds:0.0} s; cache {Hits} hits, {Misses} misses",
            rows.Count(r => r.Mode != "original"), spec.Models.Count, clock.Elapsed.TotalSeconds, cache.Statistics.Hits, cache.Statistics.Misses);
        return new BuildResult(rows, dependencies.Inputs, dependencies.Outputs);
    }

    private static EvaluationStage? EvaluationFor(QcqaSpec spec, IModelEvaluator? evaluator, ContentCache cache, ILogger log, DependencyFileWriter dependencies)
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
        return new EvaluationStage(evaluator, evaluation, cache, log);
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
