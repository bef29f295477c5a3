using Qcqa.Core.Grouping;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Qcqa.Core.Cache;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Spec;

/// <summary>
/// One compressed checkpoint to produce: a model, a mode, a budget and search settings, with the spec's
/// <c>defaults</c> already merged in. Written under <c>&lt;output folder&gt;/&lt;ModelName&gt;/&lt;OutputName&gt;</c>.
/// </summary>
public sealed record VariantSpec
{
    /// <summary>The model's name (unique in the spec; a folder name).</summary>
    public required string ModelName { get; init; }

    /// <summary>Full path of the model's Hugging Face folder.</summary>
    public required string ModelPath { get; init; }

    /// <summary>
    /// The model folder relative to the spec's folder, with <c>/</c> separators: how the fingerprint names the
    /// model, so that moving a repository with its models does not change fingerprints.
    /// </summary>
    public required string ModelPathFromSpec { get; init; }

    /// <summary>The variant's name (unique per model).</summary>
    public required string Name { get; init; }

    /// <summary>The output folder name (the spec's <c>output</c>, else <see cref="Name"/>; unique per model).</summary>
    public required string OutputName { get; init; }

    /// <summary>How heads are grouped.</summary>
    public required GroupingMode Mode { get; init; }

    /// <summary>The KV-cache budget; null exactly when <see cref="Mode"/> is <see cref="GroupingMode.Mqa"/>.</summary>
    public BudgetSpec? Budget { get; init; }

    /// <summary>Search settings (used by <c>equal</c> and <c>arbitrary</c>; ignored by <c>gqa</c> and <c>mqa</c>).</summary>
    public SearchSettingsSpec Search { get; init; } = SearchSettingsSpec.Default;

    /// <summary>Where tensor work runs.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Cpu;

    /// <summary>Where the variant's mapping starts in the spec.</summary>
    public SourceLocation Location { get; init; }

    /// <summary>True for the modes that run the evolutionary search.</summary>
    public bool IsSearched => Mode.IsSearched();

    /// <summary>
    /// A canonical text of everything in the spec that affects this variant's output: model name and folder,
    /// names, mode, budget (in canonical form) and, for searched modes, the search settings. Two variants with
    /// the same fingerprint produce the same checkpoint from the same model files.
    /// </summary>
    /// <remarks>
    /// Excluded on purpose: the device (it changes speed, not results: search and merge are managed code),
    /// source positions, evaluation settings (they change the report, not the checkpoint), and the model's
    /// content (the engine hashes the files themselves). Starts with a format version that changes whenever
    /// the rendering does.
    /// </remarks>
    public string Fingerprint
    {
        get
        {
            var text = new StringBuilder("qcqa-variant-fingerprint/1\n");
            void Line(string key, string value) => text.Append(key).Append('=').Append(JsonSerializer.Serialize(value)).Append('\n');
            Line("model.name", ModelName);
            Line("model.path", ModelPathFromSpec);
            Line("variant.name", Name);
            Line("variant.output", OutputName);
            Line("mode", Mode.ToName());
            Line("budget", Budget?.ToCanonicalString() ?? "");
            if (IsSearched)
            {
                Line("search.population", Search.Population.ToString(CultureInfo.InvariantCulture));
                Line("search.generations", Search.Generations.ToString(CultureInfo.InvariantCulture));
                Line("search.seed", Search.Seed.ToString(CultureInfo.InvariantCulture));
            }
            return text.ToString();
        }
    }

    /// <summary>The XxHash128 of <see cref="Fingerprint"/> (32 hex digits), for file names and cache keys.</summary>
    public string FingerprintHash => ContentHash.Compute(Encoding.UTF8.GetBytes(Fingerprint));

    /// <summary>
    /// Checks the budget against the model's shape and returns every problem (QCQA030, positioned at the budget
    /// or at the offending per-layer entry), or an empty list when the budget fits.
    /// </summary>
    /// <param name="kvHeadsPerLayer">H_l: the KV units of each layer of the input model.</param>
    public IReadOnlyList<Diagnostic> ValidateBudget(IReadOnlyList<int> kvHeadsPerLayer)
    {
        var problems = new List<Diagnostic>();
        BudgetResolver.Resolve(this, kvHeadsPerLayer, problems);
        return problems;
    }

    /// <summary>Applies the budget to the model's shape: the KV heads each layer may keep, and the total cap.</summary>
    /// <param name="kvHeadsPerLayer">H_l: the KV units of each layer of the input model.</param>
    /// <exception cref="QcqaException">The budget does not fit the shape (QCQA030; the first problem).</exception>
    /// <exception cref="QcqaSpecException">Several problems; carries them all.</exception>
    public BudgetResolution ResolveBudget(IReadOnlyList<int> kvHeadsPerLayer)
    {
        var problems = new List<Diagnostic>();
        var resolution = BudgetResolver.Resolve(this, kvHeadsPerLayer, problems);
        if (problems.Count == 1) throw problems[0].ToException();
        if (problems.Count > 1) throw new QcqaSpecException(problems);
        return resolution;
    }
}
