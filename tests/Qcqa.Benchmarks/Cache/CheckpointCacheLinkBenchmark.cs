using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Cache;
using Qcqa.Tests.Shared;

namespace Qcqa.Benchmarks.Cache;

/// <summary>
/// The checkpoint cache's publish (output → cache) and restore (cache → output) of a checkpoint-sized folder of random
/// files, by copy (every link refused) against by hard link, wall times side by side. Both hash every byte once
/// (a copy while writing, a link by reading); only the copy writes the bytes again. Files are in the page cache after
/// they are written (as a just-merged checkpoint is), so the figures are of the write and hash, not of the disk's reads.
/// </summary>
/// <remarks>
/// <c>cache-link [--size-mb 2048] [--files 4] [--runs 2] [--dir D]</c>: D (default the temporary folder) needs twice
/// the size free; the modes alternate run by run and the median is printed.
/// </remarks>
public sealed class CheckpointCacheLinkBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "cache-link";

    /// <inheritdoc />
    public string Description => "checkpoint cache publish and restore of a ~2 GB folder: copy vs hard link (wall times)";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var sizeMb = Option(args, "--size-mb", 2048);
        var fileCount = Option(args, "--files", 4);
        var runs = Option(args, "--runs", 2);
        var parent = OptionText(args, "--dir") ?? Path.GetTempPath();
        var root = Path.Combine(parent, $"qcqa-cache-link-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            var built = Path.Combine(root, "built");
            var names = WriteRandomFiles(built, fileCount, (long)sizeMb << 20);
            Console.WriteLine($"folder: {fileCount} files, {sizeMb} MB in all, under {root}; load {MachineLoad.Averages()}");

            var figures = new Dictionary<string, List<(double Publish, double Restore, bool Linked)>> { ["copy"] = [], ["hard link"] = [] };
            for (var run = 0; run < runs; run++)
            {
                foreach (var mode in run % 2 == 0 ? new[] { "copy", "hard link" } : ["hard link", "copy"])
                {
                    figures[mode].Add(Measure(root, built, names, mode == "copy" ? (_, _) => false : null));
                    Console.WriteLine($"  run {run + 1} {mode,-9}: publish {figures[mode][^1].Publish,7:F2} s, restore {figures[mode][^1].Restore,7:F2} s");
                }
            }

            Console.WriteLine();
            Console.WriteLine($"median of {runs} run(s), {sizeMb} MB, load {MachineLoad.Averages()}:");
            Console.WriteLine("| mode | publish | restore | bytes written (publish + restore) | files shared with the output |");
            Console.WriteLine("|---|---:|---:|---:|---|");
            foreach (var (mode, list) in figures)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {mode} | {Median(list.Select(f => f.Publish)):F2} s | {Median(list.Select(f => f.Restore)):F2} s | {(mode == "copy" ? $"{2 * sizeMb} MB" : "0")} | {(list.All(f => f.Linked) ? "yes" : "no")} |"));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static (double Publish, double Restore, bool Linked) Measure(string root, string built, string[] names, Func<string, string, bool>? linker)
    {
        var cacheRoot = Path.Combine(root, $"cache-{Guid.NewGuid():N}");
        var restored = Path.Combine(root, $"restored-{Guid.NewGuid():N}");
        try
        {
            var cache = new CheckpointCache(cacheRoot, createHardLink: linker);
            var key = CheckpointCache.KeyOf(Guid.NewGuid().ToString("N"));
            var clock = Stopwatch.StartNew();
            if (!cache.Publish(key, built, names)) throw new InvalidOperationException("publish failed");
            var publish = clock.Elapsed.TotalSeconds;
            Directory.CreateDirectory(restored);
            clock.Restart();
            if (cache.TryCopyTo(key, restored) is null) throw new InvalidOperationException("restore missed");
            var restore = clock.Elapsed.TotalSeconds;
            var linked = FileIdentity.SameFile(Path.Combine(built, names[0]), Path.Combine(restored, names[0])) == true;
            return (publish, restore, linked);
        }
        finally
        {
            if (Directory.Exists(cacheRoot)) Directory.Delete(cacheRoot, recursive: true);
            if (Directory.Exists(restored)) Directory.Delete(restored, recursive: true);
        }
    }

    private static string[] WriteRandomFiles(string folder, int count, long totalBytes)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(17);
        var buffer = new byte[1 << 20];
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = $"model-{i + 1:D5}-of-{count:D5}.safetensors";
            using var stream = new FileStream(Path.Combine(folder, names[i]), FileMode.CreateNew, FileAccess.Write, FileShare.None, buffer.Length);
            for (long left = totalBytes / count; left > 0; left -= buffer.Length)
            {
                random.NextBytes(buffer);
                stream.Write(buffer, 0, (int)Math.Min(left, buffer.Length));
            }
        }
        return names;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
        => OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? OptionText(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
