namespace Qcqa.Core.Cache;

/// <summary>Turns a cached value into payload bytes and back.</summary>
/// <typeparam name="T">The cached value's type.</typeparam>
public interface ICacheSerializer<T>
{
    /// <summary>Encodes <paramref name="value"/>.</summary>
    byte[] Serialize(T value);

    /// <summary>Decodes a payload written by <see cref="Serialize"/>.</summary>
    /// <exception cref="InvalidDataException">The payload does not decode; the cache then treats the entry as corrupt.</exception>
    T Deserialize(ReadOnlySpan<byte> payload);
}
