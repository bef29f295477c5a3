using Qcqa.Core.Allocation;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Search;

namespace Qcqa.Core.Spec;

/// <summary>The spec's spellings of devices, shared by the reader and messages (modes: <see cref="Grouping.GroupingModes"/>).</summary>
public static class SpecNames
{
    /// <summary>The <c>device</c> values, in documentation order.</summary>
    public static IReadOnlyDictionary<string, DeviceKind> Devices { get; } = new Dictionary<string, DeviceKind>(StringComparer.Ordinal)
    {
        ["cpu"] = DeviceKind.Cpu,
        ["cuda"] = DeviceKind.Cuda,
        ["auto"] = DeviceKind.Auto,
    };

    /// <summary>The spec spelling of a device, e.g. <c>cpu</c>.</summary>
    public static string ToSpecString(this DeviceKind device) => Devices.First(p => p.Value == device).Key;

    /// <summary>The <c>evaluation.precision</c> values.</summary>
    public static IReadOnlyDictionary<string, Evaluation.ComputePrecision> Precisions { get; } = new Dictionary<string, Evaluation.ComputePrecision>(StringComparer.Ordinal)
    {
        ["float32"] = Evaluation.ComputePrecision.Float32,
        ["bfloat16"] = Evaluation.ComputePrecision.BFloat16,
    };

    /// <summary>The spec word for <paramref name="precision"/>.</summary>
    public static string ToSpecString(this Evaluation.ComputePrecision precision) => Precisions.First(p => p.Value == precision).Key;

    /// <summary>The <c>merge</c> values.</summary>
    public static IReadOnlyDictionary<string, MergeMethod> MergeMethods { get; } = new Dictionary<string, MergeMethod>(StringComparer.Ordinal)
    {
        ["aligned"] = MergeMethod.Aligned,
        ["mean"] = MergeMethod.Mean,
    };

    /// <summary>The <c>fitness</c> values.</summary>
    public static IReadOnlyDictionary<string, FitnessKind> Fitnesses { get; } = new Dictionary<string, FitnessKind>(StringComparer.Ordinal)
    {
        ["aligned"] = FitnessKind.Aligned,
        ["wse"] = FitnessKind.Wse,
    };

    /// <summary>The <c>allocation</c> values.</summary>
    public static IReadOnlyDictionary<string, AllocationMethod> Allocations { get; } = new Dictionary<string, AllocationMethod>(StringComparer.Ordinal)
    {
        ["auto"] = AllocationMethod.Auto,
        ["measured"] = AllocationMethod.Measured,
        ["estimated"] = AllocationMethod.Estimated,
        ["gradient"] = AllocationMethod.Gradient,
        ["wse"] = AllocationMethod.Wse,
        ["uniform"] = AllocationMethod.Uniform,
    };

    /// <summary>The spec spelling of a merge method.</summary>
    public static string ToSpecString(this MergeMethod method) => MergeMethods.First(p => p.Value == method).Key;

    /// <summary>The spec spelling of a fitness.</summary>
    public static string ToSpecString(this FitnessKind fitness) => Fitnesses.First(p => p.Value == fitness).Key;

    /// <summary>The spec spelling of an allocation method.</summary>
    public static string ToSpecString(this AllocationMethod method) => Allocations.First(p => p.Value == method).Key;
}
