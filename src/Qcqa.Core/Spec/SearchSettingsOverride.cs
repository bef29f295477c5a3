using Qcqa.Core.Diagnostics;
namespace Qcqa.Core.Spec;

/// <summary>A <c>search</c> mapping as written: only the keys present, to be layered over defaults.</summary>
internal sealed record SearchSettingsOverride(int? Population, int? Generations, int? Seed, SourceLocation Location)
{
    internal static SearchSettingsOverride None { get; } = new(null, null, null, default);

    /// <summary>This override's keys over <paramref name="fallback"/>'s.</summary>
    internal SearchSettingsSpec Over(SearchSettingsSpec fallback) => new(
        Population ?? fallback.Population,
        Generations ?? fallback.Generations,
        Seed ?? fallback.Seed,
        Location.Line > 0 ? Location : fallback.Location);
}
