using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Qcqa.ReferenceModel;

/// <summary>
/// The King James Bible as printed by the Debian package <c>bible-kjv</c> (public domain text), split into
/// chapters with the verse labels removed.
/// </summary>
/// <remarks>
/// <c>bible -f "Gen1:1-Rev22:21"</c> prints one verse per line as <c>&lt;book&gt;&lt;chapter&gt;:&lt;verse&gt; &lt;text&gt;</c>,
/// e.g. <c>Ge1:1 In the beginning God created the heaven and the earth.</c> (31,102 lines, 1,189 chapters, ASCII).
/// The listing is cached as printed, so later runs do not need the package; the prepared text is derived from it.
/// </remarks>
public sealed partial class KjvCorpus
{
    /// <summary>The program the package installs.</summary>
    public const string BibleProgram = "/usr/bin/bible";

    /// <summary>The command that installs it on Debian and Ubuntu.</summary>
    public const string InstallCommand = "apt-get install -y bible-kjv";

    /// <summary>The reference passed to <c>bible</c>: the whole book.</summary>
    public const string WholeBible = "Gen1:1-Rev22:21";

    /// <summary>Verses in the listing of bible-kjv 4.x.</summary>
    public const int ExpectedVerses = 31102;

    /// <summary>Chapters in the listing.</summary>
    public const int ExpectedChapters = 1189;

    private KjvCorpus(IReadOnlyList<KjvChapter> chapters, string packageVersion, string listingSha256)
    {
        Chapters = chapters;
        PackageVersion = packageVersion;
        ListingSha256 = listingSha256;
    }

    /// <summary>The chapters in canonical order (Genesis 1 … Revelation 22).</summary>
    public IReadOnlyList<KjvChapter> Chapters { get; }

    /// <summary>Version of <c>bible-kjv-text</c> the listing came from (e.g. <c>4.38</c>).</summary>
    public string PackageVersion { get; }

    /// <summary>SHA-256 (hex) of the raw listing, to check that two runs saw the same corpus.</summary>
    public string ListingSha256 { get; }

    /// <summary>Reads the listing from the cache, or produces it with <c>bible</c> (installing the package if allowed).</summary>
    /// <param name="cacheDir">Cache folder; created when missing.</param>
    /// <param name="install">Run <see cref="InstallCommand"/> when the program is missing and the process is root.</param>
    /// <param name="log">Progress messages.</param>
    /// <exception cref="TrainerException">The program is missing (with the command to run), fails, or prints something unexpected.</exception>
    public static KjvCorpus Load(string cacheDir, bool install, TextWriter log)
    {
        Directory.CreateDirectory(cacheDir);
        var listingPath = Path.Combine(cacheDir, "kjv-listing.txt");
        var versionPath = Path.Combine(cacheDir, "kjv-listing.version");
        string listing, version;
        if (File.Exists(listingPath) && File.Exists(versionPath))
        {
            listing = File.ReadAllText(listingPath, Encoding.UTF8);
            version = File.ReadAllText(versionPath).Trim();
            log.WriteLine($"corpus: cached listing {listingPath} (bible-kjv-text {version})");
        }
        else
        {
            EnsureProgram(install, log);
            listing = Run(BibleProgram, ["-f", WholeBible]);
            version = PackageVersionOf("bible-kjv-text");
            Qcqa.Core.AtomicFile.WriteAllText(listingPath, listing);
            Qcqa.Core.AtomicFile.WriteAllText(versionPath, version + "\n");
            log.WriteLine($"corpus: ran '{BibleProgram} -f {WholeBible}' (bible-kjv-text {version}), cached in {listingPath}");
        }
        var chapters = Parse(listing);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing)));
        return new KjvCorpus(chapters, version, hash);
    }

    /// <summary>Splits a listing into chapters and strips the verse labels.</summary>
    /// <exception cref="TrainerException">A line without a label, non-ASCII text, or verse/chapter counts other than expected.</exception>
    public static IReadOnlyList<KjvChapter> Parse(string listing)
    {
        var chapters = new List<KjvChapter>();
        var text = new StringBuilder();
        string? book = null;
        var chapter = 0;
        var verses = 0;
        var lineNumber = 0;
        foreach (var rawLine in listing.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0) continue;
            var match = VerseLine().Match(line);
            if (!match.Success)
                throw new TrainerException($"Line {lineNumber} of the bible listing has no verse label: '{Truncate(line)}'.");
            var lineBook = match.Groups["book"].Value;
            var lineChapter = int.Parse(match.Groups["chapter"].Value, CultureInfo.InvariantCulture);
            if (lineBook != book || lineChapter != chapter)
            {
                if (book is not null) chapters.Add(new KjvChapter(book, chapter, text.ToString()));
                text.Clear();
                book = lineBook;
                chapter = lineChapter;
            }
            var verse = match.Groups["text"].Value.Trim();
            if (verse.Any(c => c > 0x7F))
                throw new TrainerException($"Line {lineNumber} of the bible listing has non-ASCII text; the recipe expects the ASCII listing of bible-kjv 4.x.");
            text.Append(verse).Append('\n');
            verses++;
        }
        if (book is not null) chapters.Add(new KjvChapter(book, chapter, text.ToString()));
        if (verses != ExpectedVerses || chapters.Count != ExpectedChapters)
            throw new TrainerException(
                $"The bible listing has {verses} verses in {chapters.Count} chapters; the recipe expects {ExpectedVerses} in {ExpectedChapters} " +
                "(bible-kjv 4.x). Another edition would change the data split.");
        return chapters;
    }

    private static void EnsureProgram(bool install, TextWriter log)
    {
        if (File.Exists(BibleProgram)) return;
        if (!install)
            throw new TrainerException(
                $"The corpus comes from the Debian package bible-kjv, and {BibleProgram} is missing. Install it with\n" +
                $"    sudo {InstallCommand}\n" +
                "(or run the trainer as root with --install-corpus to let it run that command).");
        if (!Environment.IsPrivilegedProcess)
            throw new TrainerException($"--install-corpus needs root; run 'sudo {InstallCommand}' yourself, then run the trainer again.");
        log.WriteLine($"corpus: running '{InstallCommand}'");
        try
        {
            Run("apt-get", ["install", "-y", "bible-kjv"]);
        }
        catch (TrainerException)
        {
            // A fresh container often has no package lists yet.
            log.WriteLine("corpus: install failed; running 'apt-get update' and trying again");
            Run("apt-get", ["update"]);
            Run("apt-get", ["install", "-y", "bible-kjv"]);
        }
        if (!File.Exists(BibleProgram))
            throw new TrainerException($"'{InstallCommand}' succeeded but {BibleProgram} is still missing.");
    }

    private static string PackageVersionOf(string package)
    {
        try
        {
            return Run("dpkg-query", ["-W", "-f=${Version}", package]).Trim();
        }
        catch (TrainerException)
        {
            return "unknown";
        }
    }

    private static string Run(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new TrainerException($"Could not start {program}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new TrainerException($"Could not start {program}: {e.Message}", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new TrainerException($"'{program} {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {Truncate(stderr.Result.Trim())}");
            return stdout;
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    // Book abbreviations may start with a digit (1Sm, 2Cor, 3Jn); chapter and verse are numbers.
    [GeneratedRegex(@"^(?<book>[1-3]?[A-Za-z]+)(?<chapter>[0-9]+):(?<verse>[0-9]+) (?<text>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex VerseLine();
}
