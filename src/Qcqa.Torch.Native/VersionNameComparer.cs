namespace Qcqa.Torch.Native;

/// <summary>
/// Orders version node names such as <c>GLIBCXX_3.4.9</c> &lt; <c>GLIBCXX_3.4.30</c> by their numeric parts
/// (ordinal order would put 3.4.9 last). The family prefix before the first underscore is ignored.
/// </summary>
internal sealed class VersionNameComparer : IComparer<string>
{
    /// <summary>The shared instance.</summary>
    public static VersionNameComparer Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        var a = Numbers(x);
        var b = Numbers(y);
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var c = (i < a.Length ? a[i] : -1).CompareTo(i < b.Length ? b[i] : -1);
            if (c != 0) return c;
        }
        return 0;
    }

    private static int[] Numbers(string? name)
    {
        if (string.IsNullOrEmpty(name)) return [];
        return name[(name.IndexOf('_') + 1)..].Split('.').Select(d => int.TryParse(d, out var n) ? n : 0).ToArray();
    }
}
