namespace Qcqa.Torch.Native;

/// <summary>
/// An import that may be pointed at an older libstdc++ symbol. Only imports that no relocation uses are
/// redirected: such an import exists purely to make the linker record a dependency, so any symbol that resolves
/// is as good as the original, and the redirect cannot change what code runs.
/// </summary>
/// <param name="Symbol">The import as the library names it.</param>
/// <param name="Replacement">The symbol to import instead; it must exist in older libstdc++ releases.</param>
/// <param name="ReplacementVersion">The version node of <paramref name="Replacement"/>.</param>
internal sealed record SymbolRedirect(string Symbol, string Replacement, string ReplacementVersion)
{
    /// <summary>
    /// The redirects the set-up knows. GCC 13's <c>&lt;iostream&gt;</c> references
    /// <c>std::ios_base_library_init()</c> (GLIBCXX_3.4.32) only so that linking pulls in the library's stream
    /// initialisation; <c>std::ios_base::Init::Init()</c> (GLIBCXX_3.4) exists in every libstdc++ and serves the
    /// same purpose.
    /// </summary>
    public static IReadOnlyList<SymbolRedirect> Known { get; } =
    [
        new("_ZSt21ios_base_library_initv", "_ZNSt8ios_base4InitC1Ev", "GLIBCXX_3.4"),
    ];
}
