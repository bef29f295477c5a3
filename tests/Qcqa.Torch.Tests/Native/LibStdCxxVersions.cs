namespace Qcqa.Torch.Tests.Native;

/// <summary>Made-up version lists shaped like real libstdc++ releases.</summary>
internal static class LibStdCxxVersions
{
    /// <summary>GLIBCXX_3.4, GLIBCXX_3.4.1 … GLIBCXX_3.4.<paramref name="lastMinor"/> plus the CXXABI versions of that era.</summary>
    public static IReadOnlyList<string> UpTo(int lastMinor)
    {
        var versions = new List<string> { "GLIBCXX_3.4" };
        for (var i = 1; i <= lastMinor; i++) versions.Add($"GLIBCXX_3.4.{i}");
        versions.Add("CXXABI_1.3");
        for (var i = 1; i <= 13; i++) versions.Add($"CXXABI_1.3.{i}");
        return versions;
    }
}
