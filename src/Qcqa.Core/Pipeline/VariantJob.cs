using Qcqa.Core.Allocation;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Search;
using Qcqa.Core.Spec;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// One variant of one model, planned before any stage runs: its budget resolved for the model's shape, its output
/// folder checked, its search settings and device settled. The pipeline runs the stages once per job.
/// </summary>
/// <param name="Variant">The variant as the spec states it.</param>
/// <param name="Budget">The budget resolved for the model and the variant's mode (MQA: one KV head per layer).</param>
/// <param name="OutputFolder">Where the checkpoint goes: <c>&lt;output&gt;/&lt;model&gt;/&lt;variant output&gt;</c>, full path.</param>
/// <param name="Search">The search settings (used by the searched modes).</param>
/// <param name="Device">Where evaluation runs: the request's override, else the variant's device.</param>
internal sealed record VariantJob(VariantSpec Variant, ResolvedBudget Budget, string OutputFolder, SearchSettings Search, DeviceKind Device)
{
    /// <summary><c>model/variant</c>, for logs.</summary>
    internal string Label => $"{Variant.ModelName}/{Variant.Name}";

    /// <summary>Whether anything the variant does is weighted by the model's calibration (when it has one).</summary>
    internal bool UsesCalibration => NeedsCalibration(Variant);

    /// <summary>Whether anything <paramref name="variant"/> does is weighted by its model's calibration (when it has one).</summary>
    internal static bool NeedsCalibration(VariantSpec variant) => variant.Merge == Merge.MergeMethod.Aligned || variant.Fitness == FitnessKind.Aligned
        || variant.Allocation is AllocationMethod.Measured or AllocationMethod.Estimated or AllocationMethod.Gradient or AllocationMethod.Auto;

    /// <summary>Plans every variant of <paramref name="model"/>.</summary>
    /// <param name="model">The model and its variants.</param>
    /// <param name="kvHeadsPerLayer">H_l of the opened model.</param>
    /// <param name="outputRoot">The build's output folder (full path).</param>
    /// <param name="request">Device override and threads.</param>
    /// <param name="resolveAllocation">Turns <see cref="AllocationMethod.Auto"/> into the method for this model (see <see cref="AllocationDefaults"/>).</param>
    /// <exception cref="QcqaSpecException">Some budgets do not fit the model: every problem of every variant, positioned.</exception>
    /// <exception cref="QcqaException">An output folder would leave the output root (QCQA002).</exception>
    internal static IReadOnlyList<VariantJob> Plan(ModelSpec model, IReadOnlyList<int> kvHeadsPerLayer, string outputRoot, BuildRequest request,
        Func<AllocationMethod, AllocationMethod>? resolveAllocation = null)
    {
        var budgets = model.Variants.Select(v => v.ResolveBudget(kvHeadsPerLayer)).ToList();
        var problems = budgets.SelectMany(b => b.Problems).ToList();
        if (problems.Count > 0) throw new QcqaSpecException(problems);
        return model.Variants.Zip(budgets, (variant, budget) => new VariantJob(
                resolveAllocation is null ? variant : variant with { Allocation = resolveAllocation(variant.Allocation) },
                budget.Budget!,
                OutputFolderOf(outputRoot, model, variant),
                new SearchSettings { Population = variant.Search.Population, Generations = variant.Search.Generations, Seed = variant.Search.Seed, Threads = request.Threads },
                request.DeviceOverride ?? variant.Device))
            .ToArray();
    }

    // Output names come from the spec; one that climbs out of the output folder must not write elsewhere.
    private static string OutputFolderOf(string outputRoot, ModelSpec model, VariantSpec variant)
    {
        var folder = Path.GetFullPath(Path.Combine(outputRoot, model.Name, variant.OutputName));
        var root = outputRoot.EndsWith(Path.DirectorySeparatorChar) ? outputRoot : outputRoot + Path.DirectorySeparatorChar;
        if (!folder.StartsWith(root, StringComparison.Ordinal) || Path.GetFullPath(Path.Combine(outputRoot, model.Name)) == folder)
            throw variant.Location.Error(ErrorCodes.BadOutputPath, $"The output of {model.Name}/{variant.Name} would be '{folder}', outside the output folder '{outputRoot}'.");
        return folder;
    }
}
