using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Qcqa.Core.Output;

/// <summary>
/// Names of the temporary files and folders the engine writes beside an output before renaming it into place, and
/// the clean-up of ones a killed run left behind. Every name carries its owner: the process id and the process's
/// start time (seconds since the epoch), so a later run can tell a live writer's temporary (left alone) from an orphan
/// (deleted), even when the process id has been reused.
/// </summary>
/// <remarks>
/// Forms: <c>&lt;name&gt;.tmp-&lt;pid&gt;-&lt;start&gt;-&lt;guid&gt;</c> (a folder or file being built) and
/// <c>&lt;name&gt;.old-&lt;pid&gt;-&lt;start&gt;-&lt;guid&gt;</c> (a previous output moved aside while the new one is renamed in).
/// </remarks>
public static partial class OwnedTemporaries
{
    private static readonly Lazy<string> OwnerTag = new(() =>
    {
        using var self = Process.GetCurrentProcess();
        return $"{Environment.ProcessId}-{StartSeconds(self).ToString(CultureInfo.InvariantCulture)}";
    });

    /// <summary>A fresh temporary name beside <paramref name="target"/> (a full path), owned by this process.</summary>
    public static string TemporaryFor(string target) => $"{target}.tmp-{OwnerTag.Value}-{Guid.NewGuid():N}";

    /// <summary>A fresh name to move a previous <paramref name="target"/> aside to, owned by this process.</summary>
    public static string AsideFor(string target) => $"{target}.old-{OwnerTag.Value}-{Guid.NewGuid():N}";

    /// <summary>
    /// Deletes the temporaries of <paramref name="target"/> (a full path) whose owner process is gone. A moved-aside
    /// previous output whose target is missing (the owner died between the two renames) is moved back instead.
    /// Failures are ignored: clean-up must never stop the real work.
    /// </summary>
    /// <returns>The paths removed or restored.</returns>
    public static IReadOnlyList<string> CleanStale(string target)
    {
        var cleaned = new List<string>();
        var folder = Path.GetDirectoryName(target);
        var name = Path.GetFileName(target);
        if (string.IsNullOrEmpty(folder) || string.IsNullOrEmpty(name) || !Directory.Exists(folder)) return cleaned;
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(folder, name + ".*"))
            {
                var match = OwnedPattern().Match(Path.GetFileName(entry)[name.Length..]);
                if (!match.Success || IsAlive(int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture), long.Parse(match.Groups["start"].Value, CultureInfo.InvariantCulture)))
                    continue;
                if (match.Groups["kind"].Value == "old" && !Path.Exists(target))
                {
                    Move(entry, target);
                }
                else
                {
                    Delete(entry);
                }
                cleaned.Add(entry);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OverflowException or FormatException)
        {
        }
        return cleaned;
    }

    /// <summary>True while process <paramref name="pid"/> runs and started at <paramref name="startSeconds"/>; true when unknown.</summary>
    internal static bool IsAlive(int pid, long startSeconds)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && StartSeconds(process) == startSeconds;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return true; // cannot tell: leave it alone
        }
    }

    private static long StartSeconds(Process process) => new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeSeconds();

    private static void Move(string from, string to)
    {
        try
        {
            if (Directory.Exists(from)) Directory.Move(from, to);
            else File.Move(from, to);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Deletes a file or folder (recursively), ignoring failures.</summary>
    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path) && !new DirectoryInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"^\.(?<kind>tmp|old)-(?<pid>[0-9]{1,9})-(?<start>[0-9]{1,12})-[0-9a-f]{32}$")]
    private static partial Regex OwnedPattern();
}
