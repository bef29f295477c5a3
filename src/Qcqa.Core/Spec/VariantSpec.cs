using Qcqa.Core.Allocation;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Spec;

/// <summary>
/// One compressed checkpoint to produce: a model, a mode, a budget and search settings, with the spec's
/// <c>defaults</c> already merged in. Written under <c>&lt;output folder&gt;/&lt;ModelName&gt;/&lt;OutputName&gt;</c>.
/// </summary>
public sealed record VariantSpec
{
    /// <summary>The model's name (unique in the spec; a folder name).</summary>
    public required string ModelName { get; init; }

    /// <summary>Full path of the model's Hugging Face folder.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The model folder relative to the spec's folder, with <c>/</c> separators.</summary>
    public required string ModelPathFromSpec { get; init; }

    /// <summary>The variant's name (unique per model).</summary>
    public required string Name { get; init; }

    /// <summary>The output folder name (the spec's <c>output</c>, else <see cref="Name"/>; unique per model).</summary>
    public required string OutputName { get; init; }

    /// <summary>How heads are grouped: one of <see cref="GroupingModes.SpecModes"/>.</summary>
    public required GroupingMode Mode { get; init; }

    /// <summary>The KV-cache budget, with the spec position of every part; null exactly when <see cref="Mode"/> is <see cref="GroupingMode.Mqa"/>.</summary>
    public KvBudget? Budget { get; init; }

    /// <summary>Search settings (used by <c>equal</c> and <c>arbitrary</c>; ignored by <c>gqa</c> and <c>mqa</c>).</summary>
    public SearchSettingsSpec Search { get; init; } = SearchSettingsSpec.Default;

    /// <summary>Where tensor work runs.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Cpu;

    /// <summary>Where the variant's mapping starts in the spec.</summary>
    public SourceLocation Location { get; init; }

    /// <summary>True for the modes that run the evolutionary search.</summary>
    public bool IsSearched => Mode.IsSearched();

    /// <summary>
    /// Applies the budget to the model's shape: the KV heads each layer may keep and the total cap, or every problem
    /// (QCQA030, positioned at the budget or at the offending per-layer rule). MQA resolves to one KV head per layer.
    /// </summary>
    /// <param name="kvHeadsPerLayer">H_l: the KV units of each layer of the input model.</param>
    public BudgetResolution ResolveBudget(IReadOnlyList<int> kvHeadsPerLayer)
        => BudgetResolver.Resolve(Budget, kvHeadsPerLayer, Mode, ModelName);
}
