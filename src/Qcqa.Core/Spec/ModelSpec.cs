using Qcqa.Core.Diagnostics;
namespace Qcqa.Core.Spec;

/// <summary>One entry of the spec's <c>models</c> list: an input checkpoint and the variants to make from it.</summary>
public sealed record ModelSpec
{
    /// <summary>The model's name: the spec's <c>name</c>, else the folder's name. Unique in the spec.</summary>
    public required string Name { get; init; }

    /// <summary>Full path of the Hugging Face folder (<c>config.json</c> + safetensors).</summary>
    public required string Path { get; init; }

    /// <summary>The variants, in spec order.</summary>
    public required IReadOnlyList<VariantSpec> Variants { get; init; }

    /// <summary>Where the model's mapping starts in the spec.</summary>
    public SourceLocation Location { get; init; }

    /// <summary>Where the <c>path</c> value was written (for errors about the folder's content).</summary>
    public SourceLocation PathLocation { get; init; }
}
