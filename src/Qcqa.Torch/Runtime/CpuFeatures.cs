namespace Qcqa.Torch.Runtime;

/// <summary>What the host processor offers that changes which arithmetic is fast.</summary>
public static class CpuFeatures
{
    private static readonly Lazy<bool?> BFloat16Arithmetic = new(ReadBFloat16Arithmetic);

    /// <summary>
    /// Whether the processor multiplies bfloat16 natively (x86: AVX512_BF16 or AMX_BF16; Arm: BF16), as read from
    /// <c>/proc/cpuinfo</c>; null where that cannot be told (other systems). Without it libtorch widens bfloat16 to
    /// float32 in software: on the development machine (AVX2) a 2048 × 4096 × 4096 product took 4.7 s in bfloat16 against
    /// 0.68 s in float32 (<c>projection-precision</c> benchmark).
    /// </summary>
    public static bool? HasBFloat16Arithmetic => BFloat16Arithmetic.Value;

    /// <summary>Reads the answer from the text of <c>/proc/cpuinfo</c> (its flags or Features lines); null when it names none.</summary>
    /// <param name="cpuinfo">The file's text.</param>
    public static bool? FromCpuInfo(string cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        bool? found = null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            if (key is not ("flags" or "Features")) continue;
            var flags = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var native = key == "flags" ? flags.Contains("avx512_bf16") || flags.Contains("amx_bf16") : flags.Contains("bf16");
            // Every core must have it (a hybrid processor's cores can differ).
            found = (found ?? true) && native;
        }
        return found;
    }

    private static bool? ReadBFloat16Arithmetic()
    {
        try
        {
            return OperatingSystem.IsLinux() ? FromCpuInfo(File.ReadAllText("/proc/cpuinfo")) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
