namespace Qcqa.Core.Spec;

/// <summary>Finds the known key a misspelt one most likely meant, for "did you mean" hints.</summary>
internal static class KeySuggestion
{
    /// <summary>The closest candidate within a small edit distance, or null when nothing is close.</summary>
    internal static string? Closest(string typed, IEnumerable<string> candidates)
    {
        var lower = typed.ToLowerInvariant();
        // A third of the word, at least 1 and at most 3 edits: "bugdet" → "budget", not "x" → "mode".
        var allowed = Math.Clamp(typed.Length / 3, 1, 3);
        return candidates
            .Select(c => (Candidate: c, Distance: Distance(lower, c)))
            .Where(p => p.Distance <= allowed)
            .OrderBy(p => p.Distance)
            .Select(p => p.Candidate)
            .FirstOrDefault();
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions, which typos are full of).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
