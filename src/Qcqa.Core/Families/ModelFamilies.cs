namespace Qcqa.Core.Families;

/// <summary>The model families QcqaBuild reads and writes, and the rule that picks one from <c>config.json</c>.</summary>
public static class ModelFamilies
{
    /// <summary>Every supported family, Llama first.</summary>
    public static IReadOnlyList<IModelFamily> All { get; } = [LlamaFamily.Instance, Phi3Family.Instance, GptNeoxFamily.Instance];

    /// <summary>
    /// The supported architectures for messages: <c>LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM (llama);
    /// Phi3ForCausalLM (phi3); GPTNeoXForCausalLM (gpt_neox)</c>.
    /// </summary>
    public static string Supported => string.Join("; ", All.Select(f => $"{string.Join(", ", f.Architectures)} ({f.Name})"));

    /// <summary>
    /// The family a config describes: the first <c>architectures</c> entry a family lists wins; otherwise
    /// <c>model_type</c>; a config that names neither is read as Llama (as QcqaBuild always has).
    /// </summary>
    /// <param name="architectures">The config's <c>architectures</c> (empty when absent).</param>
    /// <param name="modelType">The config's <c>model_type</c>, or null.</param>
    /// <param name="family">The family found.</param>
    /// <returns>False when the config names an architecture or model type no family supports.</returns>
    public static bool TryFind(IReadOnlyList<string> architectures, string? modelType, out IModelFamily family)
    {
        Preconditions.CheckNotNull(architectures);
        foreach (var architecture in architectures)
        {
            var match = All.FirstOrDefault(f => f.Architectures.Contains(architecture, StringComparer.Ordinal));
            if (match is null) continue;
            family = match;
            return true;
        }
        if (modelType is not null && All.FirstOrDefault(f => f.ModelTypes.Contains(modelType, StringComparer.Ordinal)) is { } byType)
        {
            family = byType;
            return true;
        }
        family = LlamaFamily.Instance;
        return architectures.Count == 0 && modelType is null;
    }

    /// <summary>The family called <paramref name="name"/> (<see cref="IModelFamily.Name"/>), or null.</summary>
    public static IModelFamily? ByName(string name) => All.FirstOrDefault(f => f.Name == name);
}
