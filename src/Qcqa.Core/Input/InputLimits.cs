namespace Qcqa.Core.Input;

/// <summary>
/// Size and shape limits every structured input is held to before anything is allocated for it. Real files are
/// orders of magnitude below each limit; a file past one is hostile or broken, and is refused with a positioned
/// error instead of exhausting memory, stack or time.
/// </summary>
public static class InputLimits
{
    /// <summary>Largest <c>config.json</c>, shard index or grouping file read (64 MiB; Llama-2-70B's index is 60 KB).</summary>
    public const long MaxJsonFileBytes = 64L << 20;

    /// <summary>Largest spec file read (4 MiB; a spec is a few hundred bytes).</summary>
    public const long MaxSpecFileBytes = 4L << 20;

    /// <summary>Deepest nesting of JSON objects and arrays (the formats need at most 4 levels).</summary>
    public const int MaxJsonDepth = 64;

    /// <summary>Deepest nesting of YAML mappings and sequences (a spec needs at most 6 levels).</summary>
    public const int MaxYamlDepth = 64;

    /// <summary>
    /// Most YAML nodes a spec may stand for once every alias is expanded. Aliases share nodes, so a small file can
    /// stand for an exponential number of them (a "billion laughs" bomb); anything that walks the tree, such as
    /// hashing a mapping key, then takes exponential time. A real spec has a few hundred nodes.
    /// </summary>
    public const long MaxYamlExpandedNodes = 100_000;
}
