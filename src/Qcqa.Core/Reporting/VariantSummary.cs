using Qcqa.Core.Evaluation;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Reporting;

/// <summary>One row of the build summary: a compressed variant, or the original model (mode <c>original</c>).</summary>
/// <param name="Model">Model name from the spec.</param>
/// <param name="Variant">Variant name (<c>original</c> for the input model).</param>
/// <param name="Mode">gqa, mqa, equal, arbitrary or original.</param>
/// <param name="Budget">The budget as the spec states it, or null.</param>
/// <param name="KvHeads">Σ_l G_l kept.</param>
/// <param name="KvHeadsOriginal">Σ_l H_l of the input.</param>
/// <param name="KvBytesPerToken">KV-cache bytes per token of the checkpoint (from its shapes and dtype).</param>
/// <param name="Wse">Total weight-sharing error.</param>
/// <param name="WseRelative">Total WSE relative to the total K/V energy.</param>
/// <param name="Output">The checkpoint folder.</param>
/// <param name="Rebuilt">False when the output was already up to date.</param>
/// <param name="Quality">Held-out quality when the spec asks for evaluation.</param>
public sealed record VariantSummary(
    string Model,
    string Variant,
    string Mode,
    string? Budget,
    int KvHeads,
    int KvHeadsOriginal,
    long KvBytesPerToken,
    double Wse,
    double WseRelative,
    string Output,
    bool Rebuilt,
    ModelQuality? Quality)
{
    /// <summary>The <see cref="Mode"/> of the row describing the input model.</summary>
    public const string OriginalMode = "original";

    /// <summary>KV-cache size relative to the original.</summary>
    public double KvFraction => KvHeadsOriginal > 0 ? (double)KvHeads / KvHeadsOriginal : 1.0;

    /// <summary>True for the row describing the input model.</summary>
    public bool IsOriginal => Mode == OriginalMode;

    /// <summary>The row of an input model: all its KV heads, no WSE, never rebuilt.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="folder">The model's folder.</param>
    /// <param name="kvHeads">Σ_l H_l.</param>
    /// <param name="kvBytesPerToken">Its KV-cache bytes per token.</param>
    /// <param name="quality">Its held-out quality, when evaluated.</param>
    public static VariantSummary Original(string model, string folder, int kvHeads, long kvBytesPerToken, ModelQuality? quality)
        => new(model, OriginalMode, OriginalMode, null, kvHeads, kvHeads, kvBytesPerToken, 0, 0, Path.GetFullPath(folder), false, quality);

    /// <summary>The row of a built variant.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="variant">The variant's name.</param>
    /// <param name="budget">The variant's budget in canonical form, or null (MQA).</param>
    /// <param name="grouping">The grouping it was built with (mode, KV heads and WSE).</param>
    /// <param name="energy">The input's total K/V energy, what the WSE is reported relative to.</param>
    /// <param name="kvBytesPerToken">Its KV-cache bytes per token.</param>
    /// <param name="folder">Its checkpoint folder.</param>
    /// <param name="rebuilt">False when the folder was already up to date.</param>
    /// <param name="quality">Its held-out quality, when evaluated.</param>
    public static VariantSummary Compressed(string model, string variant, string? budget, ModelGrouping grouping, double energy,
        long kvBytesPerToken, string folder, bool rebuilt, ModelQuality? quality)
    {
        var wse = grouping.WseTotal ?? 0;
        return new(model, variant, grouping.Mode.ToName(), budget, grouping.KvHeadsTotal, grouping.HeadsTotal, kvBytesPerToken,
            wse, energy > 0 ? wse / energy : 0, folder, rebuilt, quality);
    }
}
