namespace Qcqa.Core.Spec;

/// <summary>The spec's spellings of enum values, shared by the reader, fingerprints and messages.</summary>
public static class SpecNames
{
    /// <summary>The <c>mode</c> values, in documentation order.</summary>
    public static IReadOnlyDictionary<string, VariantMode> Modes { get; } = new Dictionary<string, VariantMode>(StringComparer.Ordinal)
    {
        ["gqa"] = VariantMode.Gqa,
        ["mqa"] = VariantMode.Mqa,
        ["equal"] = VariantMode.Equal,
        ["arbitrary"] = VariantMode.Arbitrary,
    };

    /// <summary>The <c>device</c> values, in documentation order.</summary>
    public static IReadOnlyDictionary<string, DeviceKind> Devices { get; } = new Dictionary<string, DeviceKind>(StringComparer.Ordinal)
    {
        ["cpu"] = DeviceKind.Cpu,
        ["cuda"] = DeviceKind.Cuda,
        ["auto"] = DeviceKind.Auto,
    };

    /// <summary>The spec spelling of a mode, e.g. <c>equal</c>.</summary>
    public static string ToSpecString(this VariantMode mode) => Modes.First(p => p.Value == mode).Key;

    /// <summary>The spec spelling of a device, e.g. <c>cpu</c>.</summary>
    public static string ToSpecString(this DeviceKind device) => Devices.First(p => p.Value == device).Key;
}
