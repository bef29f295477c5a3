using System.Globalization;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Memory;

/// <summary>
/// The memory a build may use: set by the user (<c>memory_limit</c> in qcqa.yaml, <c>--memory-limit</c>) or, by
/// default, a safe share of what the machine or its container offers. Every stage that holds model-sized data plans
/// its peak against it before it starts (<see cref="Check"/>), so a build that cannot fit stops with a message
/// instead of being killed by the kernel halfway through.
/// </summary>
/// <param name="Bytes">The limit.</param>
/// <param name="Source">Where it comes from, for messages (e.g. "75 % of the 23.4 GB this machine offers").</param>
public sealed record MemoryLimit(long Bytes, string Source)
{
    /// <summary>The share of the available memory used when no limit is set: room is left for the page cache, the runtime and other processes.</summary>
    public const double DefaultShare = 0.75;

    /// <summary>The limit <paramref name="configured"/> sets, or the default share of the available memory.</summary>
    /// <param name="configured">A limit in bytes, or null for the default.</param>
    /// <param name="configuredBy">Names the setting in messages (e.g. <c>memory_limit in qcqa.yaml</c>).</param>
    public static MemoryLimit Resolve(long? configured, string configuredBy = "memory_limit")
    {
        if (configured is { } bytes) return new MemoryLimit(bytes, $"set by {configuredBy}");
        // TotalAvailableMemoryBytes honours a container's limit (cgroups) as well as the machine's memory.
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new MemoryLimit((long)(available * DefaultShare),
            string.Create(CultureInfo.InvariantCulture, $"{DefaultShare * 100:0} % of the {Format(available)} this machine offers; set memory_limit to change it"));
    }

    /// <summary>Stops before a stage whose planned peak exceeds the limit.</summary>
    /// <param name="stage">What would run, e.g. "Evaluation of llama-7b".</param>
    /// <param name="estimate">The planned peak, in bytes.</param>
    /// <param name="breakdown">What the estimate is made of, e.g. "one decoder layer 809 MB + lm_head 524 MB + …".</param>
    /// <param name="remedy">What the user can do instead, or null.</param>
    /// <exception cref="QcqaException">QCQA061 naming the stage, the estimate and the limit.</exception>
    public void Check(string stage, long estimate, string breakdown, string? remedy = null)
    {
        if (estimate <= Bytes) return;
        throw new QcqaException(ErrorCodes.InsufficientMemory,
            $"{stage} needs about {Format(estimate)} of memory ({breakdown}) but the memory limit is {Format(Bytes)} ({Source}); it was not started."
            + (remedy is null ? "" : " " + remedy));
    }

    /// <summary>Parses a size such as <c>6GB</c>, <c>6 GiB</c>, <c>800MB</c> or a plain number of bytes.</summary>
    /// <exception cref="FormatException">Not a positive size.</exception>
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var split = 0;
        while (split < trimmed.Length && (char.IsAsciiDigit(trimmed[split]) || trimmed[split] == '.')) split++;
        var unit = trimmed[split..].Trim().ToUpperInvariant();
        long scale = unit switch
        {
            "" or "B" => 1,
            "KB" => 1_000, "KIB" => 1L << 10,
            "MB" => 1_000_000, "MIB" => 1L << 20,
            "GB" => 1_000_000_000, "GIB" => 1L << 30,
            "TB" => 1_000_000_000_000, "TIB" => 1L << 40,
            _ => throw new FormatException($"'{text}' is not a size: use a number with B, KB, MB, GB, TB (or KiB, MiB, GiB, TiB)."),
        };
        if (split == 0 || !double.TryParse(trimmed[..split], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || !(number > 0))
            throw new FormatException($"'{text}' is not a positive size.");
        return checked((long)(number * scale));
    }

    /// <summary>Formats bytes for people: <c>6.2 GB</c>, <c>809 MB</c>.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.0} GB"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0} kB"),
    };
}
