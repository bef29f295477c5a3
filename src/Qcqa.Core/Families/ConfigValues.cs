using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Families;

/// <summary>
/// Reads the runtime's settings from a <c>config.json</c> object: typed values with QCQA013 errors that name the key
/// and the file, and the settings no family of QcqaBuild's runtime implements, refused rather than run wrongly.
/// </summary>
internal static class ConfigValues
{
    /// <summary>A positive integer, or null when the key is absent.</summary>
    internal static int? PositiveInteger(JsonObject json, string key, string path)
    {
        var node = json[key];
        if (node is null) return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var n) && n > 0) return n;
        throw new QcqaException(ErrorCodes.BadModelConfig, $"\"{key}\" must be a positive integer, found {node.ToJsonString()}.", path);
    }

    /// <summary>A required positive integer.</summary>
    internal static int RequiredInteger(JsonObject json, string key, string path)
        => PositiveInteger(json, key, path) ?? throw new QcqaException(ErrorCodes.BadModelConfig, $"config.json has no \"{key}\", which the model needs to run.", path);

    /// <summary>A positive finite number, or null when the key is absent.</summary>
    internal static double? PositiveNumber(JsonObject json, string key, string path) => PositiveNumber(json[key], key, path);

    /// <summary>true or false, or null when the key is absent.</summary>
    internal static bool? Boolean(JsonObject json, string key, string path)
    {
        var node = json[key];
        if (node is null) return null;
        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return value.GetValue<bool>();
        throw new QcqaException(ErrorCodes.BadModelConfig, $"\"{key}\" must be true or false, found {node.ToJsonString()}.", path);
    }

    /// <summary>A positive integer or null (the key absent or null).</summary>
    internal static int? OptionalPositiveInteger(JsonObject json, string key, string path)
        => json[key] is null ? null : PositiveInteger(json, key, path);

    /// <summary>Refuses a <c>hidden_act</c> other than <paramref name="supported"/> (absent means the family's default).</summary>
    internal static void RequireActivation(JsonObject json, string path, string supported, string family)
    {
        if (json["hidden_act"] is { } act && (act is not JsonValue v || !v.TryGetValue<string>(out var name) || name != supported))
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"\"hidden_act\" is {act.ToJsonString()}; QcqaBuild's runtime implements {family}'s \"{supported}\" only.", path);
    }

    /// <summary>
    /// The RoPE base and the rotated fraction of each head. Older configs give them as top-level keys (named per
    /// family); newer Transformers write a <c>rope_parameters</c> object, whose values win. Scaled RoPE
    /// (<c>rope_scaling</c>, or a <c>rope_type</c> other than <c>default</c>) is refused: the runtime implements plain RoPE.
    /// </summary>
    internal static (double Theta, double Fraction) Rope(JsonObject json, string path, string thetaKey, double theta, string? fractionKey, double fraction)
    {
        if (json["rope_scaling"] is { } scaling)
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"\"rope_scaling\" ({scaling.ToJsonString()}) is not supported by QcqaBuild's runtime; only plain RoPE is.", path);
        theta = PositiveNumber(json, thetaKey, path) ?? theta;
        if (fractionKey is not null) fraction = PositiveNumber(json, fractionKey, path) ?? fraction;
        if (json["rope_parameters"] is JsonObject parameters)
        {
            if (parameters["rope_type"] is { } type && (type is not JsonValue t || !t.TryGetValue<string>(out var name) || name != "default"))
                throw new QcqaException(ErrorCodes.BadModelConfig,
                    $"\"rope_parameters\" has rope_type {type.ToJsonString()}; QcqaBuild's runtime implements plain RoPE (\"default\") only.", path);
            theta = PositiveNumber(parameters["rope_theta"], "rope_parameters.rope_theta", path) ?? theta;
            fraction = PositiveNumber(parameters["partial_rotary_factor"], "rope_parameters.partial_rotary_factor", path) ?? fraction;
        }
        if (fraction > 1)
            throw new QcqaException(ErrorCodes.BadModelConfig, $"The rotary fraction of each head ({fraction}) must be at most 1.", path);
        return (theta, fraction);
    }

    /// <summary>Head dimensions RoPE rotates: ⌊head_dim · fraction⌋ as Transformers computes it, which must be even and positive.</summary>
    internal static int RotaryDimensions(int headDim, double fraction, string path)
    {
        var dimensions = (int)(headDim * fraction);
        if (dimensions <= 0 || dimensions % 2 != 0)
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"RoPE would rotate {dimensions} of each head's {headDim} dimensions (fraction {fraction}); QcqaBuild's runtime needs an even, positive number.", path);
        return dimensions;
    }

    private static double? PositiveNumber(JsonNode? node, string key, string path)
    {
        if (node is null) return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var x) && double.IsFinite(x) && x > 0) return x;
        throw new QcqaException(ErrorCodes.BadModelConfig, $"\"{key}\" must be a positive number, found {node.ToJsonString()}.", path);
    }
}
