using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// Writes a safetensors file in one forward pass: the tensors are declared up front, the header is written at
/// once, and the data follows tensor by tensor in declaration order, from spans, converted from floats or doubles,
/// or streamed out of another <see cref="SafetensorsFile"/>. Memory use is a small conversion buffer whatever the
/// file size.
/// </summary>
/// <remarks>
/// The header lists <c>__metadata__</c> first (keys sorted), then the tensors in declaration order; it is padded with
/// spaces so that the data section starts at a multiple of 8 bytes. A writer created on a path deletes the partial
/// file when disposed before <see cref="Complete"/>.
/// </remarks>
public sealed class SafetensorsWriter : IDisposable
{
    private const int CopyChunkBytes = 8 << 20;
    private const int ConversionChunkElements = 1 << 16;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly string? _path;
    private readonly TensorInfo[] _tensors;
    private int _current;         // index of the tensor being written; == _tensors.Length when all are done
    private long _writtenInCurrent;
    private bool _completed;
    private byte[]? _scratch;

    /// <summary>Creates <paramref name="path"/> (replacing any file there) and writes the header.</summary>
    /// <param name="path">The file to create.</param>
    /// <param name="tensors">The tensors, in the order their data will be written.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> entries.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved, or a shape has a negative dimension.</exception>
    public SafetensorsWriter(string path, IReadOnlyList<TensorDeclaration> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Preconditions.CheckNotNull(path);
        _tensors = Layout(tensors);
        var header = BuildHeader(_tensors, metadata);
        FileLength = header.Length + (_tensors.Length == 0 ? 0 : _tensors[^1].DataEnd);
        _stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 1 << 16,
            PreallocationSize = FileLength,
        });
        _ownsStream = true;
        _path = path;
        try
        {
            Start(header);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Writes the header to <paramref name="stream"/>; the data follows through the write methods.</summary>
    /// <param name="stream">A writable stream positioned where the file starts.</param>
    /// <param name="tensors">The tensors, in the order their data will be written.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> entries.</param>
    /// <param name="leaveOpen">Keep <paramref name="stream"/> open when the writer is disposed.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved, or a shape has a negative dimension.</exception>
    public SafetensorsWriter(Stream stream, IReadOnlyList<TensorDeclaration> tensors, IReadOnlyDictionary<string, string>? metadata = null, bool leaveOpen = false)
    {
        _stream = Preconditions.CheckNotNull(stream);
        _tensors = Layout(tensors);
        var header = BuildHeader(_tensors, metadata);
        FileLength = header.Length + (_tensors.Length == 0 ? 0 : _tensors[^1].DataEnd);
        _ownsStream = !leaveOpen;
        Start(header);
    }

    /// <summary>The tensors with their data offsets, in write order.</summary>
    public IReadOnlyList<TensorInfo> Tensors => _tensors;

    /// <summary>Total size of the file being written.</summary>
    public long FileLength { get; }

    /// <summary>The tensor the next write goes to, or null when every tensor has been written.</summary>
    public TensorInfo? CurrentTensor => _current < _tensors.Length ? _tensors[_current] : null;

    /// <summary>Bytes of <see cref="CurrentTensor"/> still to be written.</summary>
    public long RemainingInCurrent => _current < _tensors.Length ? _tensors[_current].ByteLength - _writtenInCurrent : 0;

    /// <summary>Appends raw (already little-endian, already converted) bytes to the current tensor.</summary>
    /// <exception cref="InvalidOperationException">The bytes do not fit in what remains of the current tensor.</exception>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return;
        Reserve(bytes.Length);
        _stream.Write(bytes);
        Advance(bytes.Length);
    }

    /// <summary>Appends values to the current tensor, converting them to its dtype.</summary>
    /// <exception cref="InvalidOperationException">The current tensor is not a float tensor, or the values do not fit in it.</exception>
    public void WriteSingles(ReadOnlySpan<float> values)
    {
        var dtype = CheckConvertibleCurrent(values.Length);
        var size = dtype.Size();
        for (var start = 0; start < values.Length; start += ConversionChunkElements)
        {
            var chunk = values.Slice(start, Math.Min(ConversionChunkElements, values.Length - start));
            var bytes = Scratch().AsSpan(0, chunk.Length * size);
            DtypeConversion.FromSingle(chunk, dtype, bytes);
            WriteBytes(bytes);
        }
    }

    /// <summary>Appends values to the current tensor, converting them to its dtype (one rounding, ties to even).</summary>
    /// <exception cref="InvalidOperationException">The current tensor is not a float tensor, or the values do not fit in it.</exception>
    public void WriteDoubles(ReadOnlySpan<double> values)
    {
        var dtype = CheckConvertibleCurrent(values.Length);
        var size = dtype.Size();
        for (var start = 0; start < values.Length; start += ConversionChunkElements)
        {
            var chunk = values.Slice(start, Math.Min(ConversionChunkElements, values.Length - start));
            var bytes = Scratch().AsSpan(0, chunk.Length * size);
            DtypeConversion.FromDouble(chunk, dtype, bytes);
            WriteBytes(bytes);
        }
    }

    /// <summary>Streams a whole tensor's bytes out of <paramref name="source"/> as the current tensor's data.</summary>
    /// <param name="source">The file holding the tensor.</param>
    /// <param name="tensor">A tensor of <paramref name="source"/> with the current tensor's dtype and byte length.</param>
    /// <exception cref="InvalidOperationException">Dtype or size differ from the current tensor, or it is partly written.</exception>
    public void CopyTensor(SafetensorsFile source, TensorInfo tensor)
    {
        var current = CurrentTensor ?? throw new InvalidOperationException("Every declared tensor has already been written.");
        if (current.Dtype != tensor.Dtype || current.ByteLength != tensor.ByteLength || _writtenInCurrent != 0)
            throw new InvalidOperationException($"Cannot copy '{tensor.Name}' ({tensor.Dtype.Name()}, {tensor.ByteLength} bytes) as '{current.Name}' ({current.Dtype.Name()}, {current.ByteLength} bytes, {_writtenInCurrent} written).");
        CopyRange(source, tensor, 0, tensor.ByteLength);
    }

    /// <summary>Streams a byte range of a source tensor into the current tensor, in bounded chunks.</summary>
    /// <param name="source">The file holding the tensor.</param>
    /// <param name="tensor">A tensor of <paramref name="source"/>.</param>
    /// <param name="offset">First byte, relative to the source tensor's start.</param>
    /// <param name="length">Number of bytes; must fit in what remains of the current tensor.</param>
    /// <exception cref="InvalidOperationException">The range does not fit in the current tensor.</exception>
    public void CopyRange(SafetensorsFile source, TensorInfo tensor, long offset, long length)
    {
        source.ReadChunks(tensor, offset, length, CopyChunkBytes, WriteBytes);
    }

    /// <summary>Checks that every tensor was written in full and flushes the file.</summary>
    /// <param name="flushToDisk">Also ask the operating system to write the data to the device.</param>
    /// <exception cref="InvalidOperationException">Some tensor is not (fully) written.</exception>
    public void Complete(bool flushToDisk = false)
    {
        if (_current < _tensors.Length)
            throw new InvalidOperationException($"Tensor '{_tensors[_current].Name}' has {RemainingInCurrent} of {_tensors[_current].ByteLength} bytes still to write.");
        if (_stream is FileStream file) file.Flush(flushToDisk);
        else _stream.Flush();
        _completed = true;
        if (_ownsStream) _stream.Dispose();
    }

    /// <summary>Closes the file; deletes it if it was created on a path and not completed.</summary>
    public void Dispose()
    {
        if (_scratch is not null) ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = null;
        if (_ownsStream) _stream.Dispose();
        if (!_completed && _path is not null)
        {
            try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        _completed = true;
    }

    private void Start(byte[] header)
    {
        _stream.Write(header);
        SkipEmpty();
    }

    private static TensorInfo[] Layout(IReadOnlyList<TensorDeclaration> declarations)
    {
        Preconditions.CheckNotNull(declarations);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new TensorInfo[declarations.Count];
        long offset = 0;
        for (var i = 0; i < declarations.Count; i++)
        {
            var d = declarations[i];
            Preconditions.CheckArgument(!string.IsNullOrEmpty(d.Name) && d.Name != SafetensorsHeader.MetadataKey, $"Invalid tensor name '{d.Name}'.");
            Preconditions.CheckArgument(names.Add(d.Name), $"Tensor '{d.Name}' is declared twice.");
            Preconditions.CheckArgument(d.Shape.All(s => s >= 0), $"Tensor '{d.Name}' has a negative dimension.");
            var end = checked(offset + d.ByteLength);
            tensors[i] = new TensorInfo(d.Name, d.Dtype, d.Shape.ToArray(), offset, end);
            offset = end;
        }
        return tensors;
    }

    // Layout: u64 little-endian header length, then the JSON padded with spaces to a multiple of 8 bytes in total.
    private static byte[] BuildHeader(TensorInfo[] tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var entry in metadata.OrderBy(e => e.Key, StringComparer.Ordinal)) json.WriteString(entry.Key, entry.Value);
                json.WriteEndObject();
            }
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.Dtype.Name());
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(tensor.DataBegin);
                json.WriteNumberValue(tensor.DataEnd);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        var padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        buffer.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private SafetensorsDtype CheckConvertibleCurrent(int elements)
    {
        var current = CurrentTensor ?? throw new InvalidOperationException("Every declared tensor has already been written.");
        if (!current.Dtype.IsConvertible())
            throw new InvalidOperationException($"Tensor '{current.Name}' has dtype {current.Dtype.Name()}, which cannot be written from numbers.");
        Reserve((long)elements * current.Dtype.Size());
        return current.Dtype;
    }

    private void Reserve(long bytes)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var current = CurrentTensor ?? throw new InvalidOperationException("Every declared tensor has already been written.");
        if (bytes > RemainingInCurrent)
            throw new InvalidOperationException($"{bytes} bytes do not fit in tensor '{current.Name}', which has {RemainingInCurrent} bytes left.");
    }

    private void Advance(long bytes)
    {
        _writtenInCurrent += bytes;
        if (_writtenInCurrent == _tensors[_current].ByteLength)
        {
            _current++;
            _writtenInCurrent = 0;
            SkipEmpty();
        }
    }

    private void SkipEmpty()
    {
        while (_current < _tensors.Length && _tensors[_current].ByteLength == 0) _current++;
    }

    private byte[] Scratch() => _scratch ??= ArrayPool<byte>.Shared.Rent(ConversionChunkElements * 8);
}
