using System.Text.Json;
using System.Text.RegularExpressions;
using Qcqa.Core.Diagnostics;
using Xunit;

namespace Qcqa.Tests.Shared;

/// <summary>
/// Assertions shared by the test projects instead of repeating the same asserts: user errors (code, message, file)
/// and what the engine produces (the contract of <c>dotnet qcqa build</c>).
/// </summary>
public static partial class QcqaAssert
{
    /// <summary>Asserts that <paramref name="action"/> throws a <see cref="QcqaException"/> with the given code and message fragment.</summary>
    /// <param name="code">The expected code, e.g. <see cref="ErrorCodes.MalformedSafetensors"/>.</param>
    /// <param name="fragment">Text the message must contain (case-insensitive).</param>
    /// <param name="file">When given, the file the error must name.</param>
    /// <param name="action">The code under test.</param>
    public static QcqaException Throws(string code, string fragment, string? file, Action action)
    {
        var error = Assert.Throws<QcqaException>(action);
        Assert.True(error.Code == code, $"Expected {code} but got {error.Code}: {error.Message}");
        Assert.True(error.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase), $"Expected the message to contain \"{fragment}\": {error.Message}");
        if (file is not null) Assert.Equal(Path.GetFullPath(file), Path.GetFullPath(error.File!));
        return error;
    }

    /// <summary>
    /// <c>&lt;out&gt;/&lt;model&gt;/&lt;variant&gt;/</c> is a Hugging Face folder: <c>config.json</c> with a <c>qcqa</c> block,
    /// safetensors weights and <c>grouping.json</c>.
    /// </summary>
    public static void IsCheckpoint(string outputFolder, string model, string variant)
    {
        var folder = Path.Combine(outputFolder, model, variant);
        Assert.True(Directory.Exists(folder), $"No variant folder {folder}.");
        var config = Path.Combine(folder, "config.json");
        Assert.True(File.Exists(config), $"No {config}.");
        using (var json = JsonDocument.Parse(File.ReadAllText(config)))
            Assert.True(json.RootElement.TryGetProperty("qcqa", out _), $"{config} has no 'qcqa' block.");
        Assert.True(File.Exists(Path.Combine(folder, "grouping.json")), $"No grouping.json in {folder}.");
        Assert.NotEmpty(Directory.GetFiles(folder, "*.safetensors"));
    }

    /// <summary><c>&lt;out&gt;/summary.md</c> and a <c>&lt;out&gt;/summary.json</c> that parses.</summary>
    public static void HasSummaries(string outputFolder)
    {
        Assert.True(File.Exists(Path.Combine(outputFolder, "summary.md")), $"No summary.md in {outputFolder}.");
        var json = Path.Combine(outputFolder, "summary.json");
        Assert.True(File.Exists(json), $"No summary.json in {outputFolder}.");
        using var _ = JsonDocument.Parse(File.ReadAllText(json));
    }

    /// <summary>
    /// Every variant folder of <paramref name="expected"/> exists in <paramref name="actual"/> with exactly the same
    /// files, byte for byte (summaries, which may hold timings, only need to exist). The build's up-to-date stamp
    /// (<c>.qcqa-build.json</c>) is bookkeeping about where and from which file versions a folder was built, so it is
    /// not part of the checkpoint.
    /// </summary>
    public static void SameCheckpoints(FolderSnapshot expected, FolderSnapshot actual)
    {
        var variantFiles = expected.Files.Keys.Where(k => k.Count(c => c == '/') >= 2).ToList();
        Assert.NotEmpty(variantFiles);
        var variantFolders = variantFiles.Select(k => k[..k.LastIndexOf('/')]).Distinct().ToList();
        foreach (var folder in variantFolders)
        {
            var want = expected.Under(folder).Where(f => !IsStamp(f.Key)).ToDictionary(f => f.Key, f => f.Value.Sha256);
            var got = actual.Under(folder).Where(f => !IsStamp(f.Key)).ToDictionary(f => f.Key, f => f.Value.Sha256);
            Assert.True(want.OrderBy(f => f.Key).SequenceEqual(got.OrderBy(f => f.Key)),
                $"{folder} differs.\nexpected: {string.Join(", ", want.Select(f => $"{f.Key}={f.Value[..12]}"))}\nactual:   {string.Join(", ", got.Select(f => $"{f.Key}={f.Value[..12]}"))}");
        }
        HasSummaries(actual.Root);
    }

    private static bool IsStamp(string file) => file.EndsWith("/.qcqa-build.json", StringComparison.Ordinal) || file == ".qcqa-build.json";

    /// <summary>A build's output holds a canonical diagnostic for the spec at this position with this code.</summary>
    /// <param name="buildOutput">What the build printed.</param>
    /// <param name="line">The expected line.</param>
    /// <param name="column">The expected column.</param>
    /// <param name="code">The expected code.</param>
    public static void HasSpecDiagnostic(string buildOutput, int line, int column, string code)
    {
        var pattern = new Regex($@"(^|[\\/\s])qcqa\.yaml\({line},{column}\): error {code}: \S");
        Assert.True(buildOutput.Split('\n').Any(l => pattern.IsMatch(l)), $"No 'qcqa.yaml({line},{column}): error {code}:' in the build output:\n{buildOutput}");
    }

    /// <summary>A line where the engine reports a cache hit for a Gram matrix (e.g. "gram ... hit" in either order).</summary>
    public static bool IsGramCacheHit(string line) => GramHit().IsMatch(line);

    [GeneratedRegex(@"\bgram\b.*\bhits?\b|\bhits?\b.*\bgram\b", RegexOptions.IgnoreCase)]
    private static partial Regex GramHit();
}
