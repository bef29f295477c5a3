using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Cache;

/// <summary>
/// Every cache-key scheme of the build in one place: what identifies a model folder, a layer's K/V content, a Gram
/// matrix, a search's fronts, a built variant, an evaluation and a model's tokenizer. Two rules hold throughout:
/// content hashes key what is expensive to recompute (Gram matrices, fronts, evaluations, tokenized text), and
/// results that depend on the engine's code include <see cref="CodeVersion"/>, so an improved search never serves
/// stale fronts.
/// </summary>
/// <remarks>
/// The class is public for <see cref="TokenizerContent"/>, the one scheme used outside this assembly (the evaluator
/// in Qcqa.Torch keys its tokenized texts with it); the build's own schemes stay internal.
/// </remarks>
public static class CacheKeys
{
    /// <summary>
    /// Identifies the engine's code: the module version id of this assembly changes whenever its source changes
    /// (builds are deterministic), while a released package keeps one stable id.
    /// </summary>
    internal static string CodeVersion { get; } = typeof(CacheKeys).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <summary>A model folder's top-level files, as the merger reads and copies them (hidden files excluded), in ordinal order.</summary>
    internal static IReadOnlyList<string> ModelFiles(string folder)
        => Directory.EnumerateFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// A cheap signature of a model folder (file names, sizes, modification times): it decides whether a built
    /// variant is current without re-reading gigabytes. Content hashes key the caches instead, where a miss is costly.
    /// </summary>
    internal static string ModelSignature(string folder)
    {
        var builder = new CacheKeyBuilder("model");
        foreach (var file in ModelFiles(folder))
        {
            var info = new FileInfo(file);
            builder.Add(info.Name).Add(info.Length).Add(info.LastWriteTimeUtc.Ticks);
        }
        return builder.Build().Hash;
    }

    /// <summary>
    /// A content hash of one layer's raw K/V (and bias) bytes with their dtypes and shapes: renaming or re-saving a
    /// model with the same weights keeps it, so CI can carry the cache between machines. It hashes the bytes the
    /// statistics stage read for the Gram matrix, so a layer is read once for both.
    /// </summary>
    internal static string LayerContent(LayerKv kv)
    {
        var builder = new CacheKeyBuilder("kv");
        for (var part = 0; part < LayerKv.PartCount; part++)
        {
            if (kv.Tensor(part) is not { } tensor)
            {
                builder.Add("absent");
                continue;
            }
            builder.Add(tensor.Dtype.Name()).Add(string.Join("x", tensor.Shape));
            builder.AddHash(ContentHash.Compute(kv.Bytes(part)));
        }
        return builder.Build().Hash;
    }

    /// <summary>
    /// A content hash of one layer's whole attention (q/k/v/o weights and biases, and the rotated dimensions when RoPE
    /// is partial): the aligned merge's error depends on the query and output projections too (they weigh the key pairs
    /// and the value directions). <paramref name="kvContent"/>
    /// is the layer's <see cref="LayerContent"/>, computed once by the statistics stage.
    /// </summary>
    internal static string AttentionContent(Checkpoint checkpoint, int layer, string kvContent)
    {
        var attention = checkpoint.Attention(layer);
        var builder = new CacheKeyBuilder("attention").AddHash(kvContent);
        foreach (var rows in new[] { attention.Query, attention.QueryBias })
        {
            if (rows is null)
            {
                builder.Add("absent");
                continue;
            }
            builder.Add(rows.Dtype.Name()).Add(string.Join("x", rows.Shape)).AddHash(ContentHash.Compute(rows));
        }
        var output = attention.Output;
        builder.Add(output.Dtype.Name()).Add(string.Join("x", output.Shape)).AddHash(ContentHash.Compute(output.File.GetBytes(output.Info)));
        // The aligned merge pairs key dimensions by RoPE's rotation, so a partial rotary (set in config.json, not in the
        // tensors) is part of what its error depends on; whole-head RoPE keeps the keys it always had.
        var rotary = checkpoint.Family.RotaryDimensions(checkpoint.Config);
        if (rotary != checkpoint.Config.HeadDim) builder.Add("rotary").Add(rotary);
        return builder.Build().Hash;
    }

    /// <summary>The calibration statistics of a model with this content, on this text and token cap, by this code.</summary>
    internal static CacheKey Calibration(string modelContent, string textHash, int maxTokens, string engineVersion)
        => new CacheKeyBuilder("calibration").Add(CodeVersion).Add(engineVersion).AddHash(modelContent).AddHash(textHash).Add(maxTokens).Build();

    /// <summary>Layer <paramref name="layer"/> of the calibration statistics stored under <paramref name="calibration"/> (each layer is its own entry).</summary>
    internal static CacheKey CalibrationLayer(CacheKey calibration, int layer)
        => new CacheKeyBuilder("calibration-layer").AddHash(calibration.Hash).Add(layer).Build();

    /// <summary>The aligned-merge fitness matrix of a layer with this attention content under this calibration (or none).</summary>
    internal static CacheKey AlignedGram(string attentionContent, string calibrationIdentity, string engineVersion)
        => new CacheKeyBuilder("aligned-gram").Add(CodeVersion).Add(engineVersion).AddHash(attentionContent).Add(calibrationIdentity).Build();

    /// <summary>The per-layer costs stage 2 compares (measured or estimated KL) of one set of fronts.</summary>
    internal static CacheKey LayerCosts(string frontsHash, string method, string calibrationIdentity, int probeTokens, string engineVersion)
        => new CacheKeyBuilder("layer-costs").Add(CodeVersion).Add(engineVersion).AddHash(frontsHash).Add(method).Add(calibrationIdentity).Add(probeTokens).Build();

    /// <summary>The per-layer gradient sensitivities of a model with this content under this calibration, on this many probe tokens.</summary>
    internal static CacheKey GradientScales(string modelContent, string calibrationIdentity, int probeTokens, string engineVersion)
        => new CacheKeyBuilder("gradient-scales").Add(CodeVersion).Add(engineVersion).AddHash(modelContent).Add(calibrationIdentity).Add(probeTokens).Build();

    /// <summary>The Gram matrix of a layer with this K/V content (the Gram code is stable, so no code version).</summary>
    internal static CacheKey Gram(string layerContent) => new CacheKeyBuilder("gram").AddHash(layerContent).Build();

    /// <summary>
    /// The fronts of one mode over layers with this content. The search settings count only for searched modes
    /// (GQA's fronts do not depend on them); the budget never counts, so variants differing only in budget share one search.
    /// </summary>
    /// <param name="mode">The grouping mode.</param>
    /// <param name="layerContents">Each layer's content hash (K/V for plain WSE; whole attention for the aligned fitness).</param>
    /// <param name="settings">The search settings.</param>
    /// <param name="fitness">Identifies the fitness: empty for plain WSE, else its kind, calibration and engine code.</param>
    internal static CacheKey Fronts(GroupingMode mode, IReadOnlyCollection<string> layerContents, SearchSettings settings, string fitness = "")
    {
        var builder = new CacheKeyBuilder("front").Add(CodeVersion).Add(mode.ToName()).AddAll(layerContents);
        if (fitness.Length > 0) builder.Add(fitness);
        if (mode.IsSearched()) builder.Add(settings.Population).Add(settings.Generations).Add(settings.Seed);
        return builder.Build();
    }

    /// <summary>
    /// The up-to-date stamp of a built variant: the code, the input folder's signature, the grouping file's text and the
    /// recipe (merge method, calibration, fine-tuning, engine code) that turned them into the checkpoint.
    /// </summary>
    internal static string VariantStamp(string modelSignature, string groupingJson, string recipe = "")
    {
        var builder = new CacheKeyBuilder("variant").Add(CodeVersion).AddHash(modelSignature).Add(groupingJson);
        if (recipe.Length > 0) builder.Add(recipe);
        return builder.Build().Hash;
    }

    /// <summary>
    /// The content identity of an input model folder: the hashes of its config, weight and tokenizer files (the
    /// tokenizer decides the tokens the model is evaluated on, and the merger copies it).
    /// </summary>
    internal static string ModelContent(string folder)
    {
        var builder = new CacheKeyBuilder("model-content");
        foreach (var file in ModelFiles(folder).Where(IsModelDefinition))
            builder.Add(Path.GetFileName(file)).AddHash(ContentHash.ComputeFile(file));
        return builder.Build().Hash;
    }

    /// <summary>
    /// Where <see cref="ModelContents"/> remembers <see cref="ModelContent"/> of a folder between builds: its full path
    /// and its <see cref="ModelSignature"/>, so an edited, added or removed file (new size or time) misses.
    /// </summary>
    internal static CacheKey ModelContentMemo(string folder)
        => new CacheKeyBuilder("model-content-memo").Add(Path.GetFullPath(folder)).AddHash(ModelSignature(folder)).Build();

    /// <summary>
    /// Where the build remembers which tensors outside the attention of a model folder hold NaN or infinity (a scan of
    /// every weight: 9 GB of a 7B), by the same path-and-signature rule as <see cref="ModelContentMemo"/>.
    /// </summary>
    internal static CacheKey NonFiniteScan(string folder)
        => new CacheKeyBuilder("non-finite-scan").Add(CodeVersion).Add(Path.GetFullPath(folder)).AddHash(ModelSignature(folder)).Build();

    /// <summary>
    /// A content key of a model folder's tokenizer files (<see cref="TokenizerFileNames.All"/>), or of their absence:
    /// two folders with the same key tokenize alike, as a compressed variant and its original do (the merger copies
    /// the files).
    /// </summary>
    /// <param name="modelFolder">A model folder.</param>
    /// <returns>A hexadecimal hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="modelFolder"/> is null.</exception>
    public static string TokenizerContent(string modelFolder)
    {
        Preconditions.CheckNotNull(modelFolder);
        var builder = new CacheKeyBuilder("tokenizer");
        foreach (var name in TokenizerFileNames.All)
        {
            var path = Path.Combine(modelFolder, name);
            builder.Add(name).Add(File.Exists(path) ? ContentHash.ComputeFile(path) : "-");
        }
        return builder.Build().Hash;
    }

    /// <summary>The content identity of a built variant: a merged checkpoint is a function of its input's content and its grouping.</summary>
    internal static string VariantContent(string modelContent, string groupingJson, string recipe = "")
    {
        var builder = new CacheKeyBuilder("variant-content").AddHash(modelContent).Add(groupingJson);
        if (recipe.Length > 0) builder.Add(recipe);
        return builder.Build().Hash;
    }

    /// <summary>The content identity of a fine-tuned checkpoint: what it was trained from, on which text, how, by which code.</summary>
    internal static string FineTuned(string mergedIdentity, string textHash, string recipe, string engineVersion)
        => new CacheKeyBuilder("finetuned").Add(CodeVersion).Add(engineVersion).AddHash(mergedIdentity).AddHash(textHash).Add(recipe).Build().Hash;

    /// <summary>
    /// A whole checkpoint in the <see cref="CheckpointCache"/>: its content identity (<see cref="VariantContent"/> for a
    /// merge, <see cref="FineTuned"/> for training) and the code that wrote it, since a changed merger writes other bytes.
    /// </summary>
    internal static CacheKey Checkpoint(string contentIdentity)
        => new CacheKeyBuilder(CheckpointCache.Kind).Add(CodeVersion).AddHash(contentIdentity).Build();

    /// <summary>The held-out quality of a checkpoint with this content identity, on this text and token cap, by this code.</summary>
    /// <remarks>Float32 adds nothing to the key, so the evaluations cached before precision was a setting stay valid.</remarks>
    internal static CacheKey Evaluation(string textHash, int maxTokens, string contentIdentity, Qcqa.Core.Evaluation.ComputePrecision precision = Qcqa.Core.Evaluation.ComputePrecision.Float32)
    {
        var builder = new CacheKeyBuilder("eval").Add(CodeVersion).AddHash(textHash).Add(maxTokens).AddHash(contentIdentity);
        if (precision != Qcqa.Core.Evaluation.ComputePrecision.Float32) builder.Add(precision.ToString());
        return builder.Build();
    }

    private static bool IsModelDefinition(string path)
    {
        var name = Path.GetFileName(path);
        return name == ModelConfig.FileName || TokenizerFileNames.All.Contains(name)
            || name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".safetensors.index.json", StringComparison.Ordinal);
    }
}
