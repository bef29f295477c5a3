using System.Text.Json;

namespace Qcqa.Core.Cache;

/// <summary>Stores a value as UTF-8 JSON (System.Text.Json), for small structured results such as evaluation reports.</summary>
/// <typeparam name="T">A type System.Text.Json can round-trip.</typeparam>
public sealed class JsonCacheSerializer<T> : ICacheSerializer<T>
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Creates a serializer.</summary>
    /// <param name="options">Serializer options; the defaults when null. Changing them changes payloads, so
    /// callers that do should also add something to their cache keys.</param>
    public JsonCacheSerializer(JsonSerializerOptions? options = null) => _options = options ?? JsonSerializerOptions.Default;

    /// <inheritdoc />
    public byte[] Serialize(T value) => JsonSerializer.SerializeToUtf8Bytes(value, _options);

    /// <inheritdoc />
    public T Deserialize(ReadOnlySpan<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(payload, _options) ?? throw new InvalidDataException("The JSON payload is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The JSON payload does not decode: {e.Message}", e);
        }
    }
}
