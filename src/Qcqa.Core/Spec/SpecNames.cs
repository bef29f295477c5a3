using Qcqa.Core.Grouping;
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
}
