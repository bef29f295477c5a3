namespace Qcqa.Core.Reporting;

/// <summary>How a variant was made, as the report shows it.</summary>
/// <param name="Merge"><c>aligned</c> or <c>mean</c>.</param>
/// <param name="Fitness"><c>aligned</c> or <c>wse</c>.</param>
/// <param name="Allocation"><c>measured</c>, <c>estimated</c>, <c>wse</c> or <c>uniform</c>.</param>
/// <param name="Calibrated">Whether the merge and fitness were weighted by calibration statistics.</param>
/// <param name="FineTuned">Whether the checkpoint was fine-tuned after the merge.</param>
/// <param name="FitnessError">Σ_l of the exact error of the variant's merge (aligned error, or WSE for the mean merge).</param>
/// <param name="PredictedCost">Σ_l of the per-layer costs stage 2 minimised (KL nats per token for measured/estimated), or null.</param>
public sealed record VariantRecipe(string Merge, string Fitness, string Allocation, bool Calibrated, bool FineTuned, double FitnessError, double? PredictedCost);
