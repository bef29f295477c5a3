namespace Qcqa.Fuzz;

/// <summary>The seed corpus of a target: the files under <c>corpus/&lt;target&gt;/</c> beside the harness.</summary>
internal static class SeedCorpus
{
    /// <summary>The folder holding the corpora (copied next to the harness at build time).</summary>
    internal static string DefaultRoot => Path.Combine(AppContext.BaseDirectory, "corpus");

    /// <summary>The seed inputs of <paramref name="target"/>, in file-name order (so runs are reproducible).</summary>
    internal static IReadOnlyList<byte[]> Load(string root, string target)
    {
        var folder = Path.Combine(root, target);
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray()
            : [];
    }
}
