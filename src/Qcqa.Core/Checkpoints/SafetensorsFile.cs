using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// A safetensors file opened read-only through a memory mapping: the header is parsed and validated when the
/// file is opened, tensor data is read on demand straight from the mapping and never loaded as a whole.
/// </summary>
/// <remarks>
/// Spans returned by <see cref="GetBytes(TensorInfo)"/> point into the mapping and are valid only until the file
/// is disposed. Instances may be read from several threads at once; disposing while reading is not allowed.
/// </remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly FileStream _stream; // kept open beside the mapping for positional reads (pread)
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, TensorInfo> _byName;
    private byte* _data; // start of the data section inside the mapping; null once disposed

    private SafetensorsFile(string path, long length, FileStream stream, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* mapping, long dataStart, SafetensorsHeader header)
    {
        Path = path;
        FileLength = length;
        _stream = stream;
        _map = map;
        _view = view;
        _data = mapping + dataStart;
        DataStart = dataStart;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The file's length in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Offset of the data section from the start of the file (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>Tensors in the order the header lists them.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The open file; dispose it to release the mapping.</returns>
    /// <exception cref="QcqaException">
    /// QCQA001 when the file does not exist, QCQA010 when it is malformed (too short, header length past the end,
    /// invalid JSON, inconsistent shapes or offsets, overlaps or holes), QCQA011 for an unknown dtype.
    /// </exception>
    public static SafetensorsFile Open(string path)
    {
        Preconditions.CheckNotNull(path);
        QcqaException Malformed(string message) => new(ErrorCodes.MalformedSafetensors, message, path);

        if (Directory.Exists(path))
            throw Malformed("This is a folder; a safetensors file is expected here.");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new QcqaException(ErrorCodes.FileNotFound, "The safetensors file does not exist.", path, inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QcqaException(ErrorCodes.FileNotFound, $"The safetensors file cannot be read: {e.Message}", path, inner: e);
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            var length = stream.Length;
            if (length < 8)
                throw Malformed($"The file is {length} bytes long; a safetensors file starts with an 8-byte header length.");
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* mapping = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref mapping);
            acquired = true;
            mapping += view.PointerOffset;

            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(mapping, 8));
            if (headerLength > (ulong)(length - 8))
                throw Malformed($"The header length field says {headerLength} bytes, but only {length - 8} bytes follow it (the file is truncated or not a safetensors file).");
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw Malformed($"The header is {headerLength} bytes long, over the {SafetensorsHeader.MaxHeaderBytes / 1_000_000} MB limit.");

            var dataStart = 8 + (long)headerLength;
            var json = new ReadOnlySpan<byte>(mapping + 8, (int)headerLength).ToArray();
            var header = SafetensorsHeader.Parse(json, length - dataStart, path);
            return new SafetensorsFile(path, length, stream, map, view, mapping, dataStart, header);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Looks a tensor up by name.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="tensor">The tensor, when present.</param>
    /// <returns>True when the file holds the tensor.</returns>
    public bool TryGetTensor(string name, [NotNullWhen(true)] out TensorInfo? tensor) => _byName.TryGetValue(name, out tensor);

    /// <summary>Looks a tensor up by name.</summary>
    /// <exception cref="QcqaException">QCQA012 when the file has no such tensor.</exception>
    public TensorInfo GetTensor(string name)
        => TryGetTensor(name, out var tensor)
            ? tensor
            : throw new QcqaException(ErrorCodes.MissingTensor, $"The file has no tensor '{name}'.", Path);

    /// <summary>The bytes of a whole tensor, straight from the mapping (no copy).</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <returns>A span valid until the file is disposed.</returns>
    /// <exception cref="ArgumentException">The tensor is not from this file, or is 2 GiB or larger (read it in ranges).</exception>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    public ReadOnlySpan<byte> GetBytes(TensorInfo tensor)
    {
        Preconditions.CheckArgument(tensor.ByteLength <= int.MaxValue, $"Tensor '{tensor.Name}' is too large for one span; read it in ranges.");
        return GetBytes(tensor, 0, (int)tensor.ByteLength);
    }

    /// <summary>A byte range of a tensor, straight from the mapping (no copy).</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="offset">First byte, relative to the tensor's start.</param>
    /// <param name="length">Number of bytes.</param>
    /// <returns>A span valid until the file is disposed.</returns>
    /// <exception cref="ArgumentException">The tensor is not from this file or the range is outside it.</exception>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    public ReadOnlySpan<byte> GetBytes(TensorInfo tensor, long offset, int length)
    {
        CheckTensor(tensor);
        Preconditions.CheckArgument(offset >= 0 && length >= 0 && offset + length <= tensor.ByteLength,
            $"Bytes [{offset}, {offset + length}) are outside tensor '{tensor.Name}' ({tensor.ByteLength} bytes).");
        return new ReadOnlySpan<byte>(_data + tensor.DataBegin + offset, length);
    }

    /// <summary>Copies a byte range of a tensor into <paramref name="destination"/> (its length is the count).</summary>
    /// <exception cref="ArgumentException">The tensor is not from this file or the range is outside it.</exception>
    public void CopyBytes(TensorInfo tensor, long offset, Span<byte> destination)
        => GetBytes(tensor, offset, destination.Length).CopyTo(destination);

    /// <summary>
    /// Reads a byte range of a tensor into <paramref name="destination"/> with positional reads of the file (not
    /// through the mapping): large sequential reads that go at page-cache or disk speed without a page fault per
    /// 4 KiB, for code that streams whole tensors once. Safe to call from several threads at once.
    /// </summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="offset">First byte, relative to the tensor's start.</param>
    /// <param name="destination">Receives <c>destination.Length</c> bytes.</param>
    /// <exception cref="ArgumentException">The tensor is not from this file or the range is outside it.</exception>
    /// <exception cref="QcqaException">QCQA010 when the file ends before the range (it was truncated after opening).</exception>
    public void ReadBytes(TensorInfo tensor, long offset, Span<byte> destination)
    {
        CheckTensor(tensor);
        Preconditions.CheckArgument(offset >= 0 && offset + destination.Length <= tensor.ByteLength,
            $"Bytes [{offset}, {offset + destination.Length}) are outside tensor '{tensor.Name}' ({tensor.ByteLength} bytes).");
        var position = DataStart + tensor.DataBegin + offset;
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(_stream.SafeFileHandle, destination, position);
            if (read == 0)
                throw new QcqaException(ErrorCodes.MalformedSafetensors, $"The file ended inside tensor '{tensor.Name}'; it was truncated while being read.", Path);
            destination = destination[read..];
            position += read;
        }
    }

    /// <summary>
    /// Hands a byte range of a tensor to <paramref name="visit"/> in chunks of at most <paramref name="chunkBytes"/>,
    /// read with positional reads into one reused buffer (see <see cref="ReadBytes"/>): for code that streams whole
    /// tensors once (hashing, scanning, copying), which through the mapping would leave every page of a
    /// multi-gigabyte file in this process's resident set.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not from this file or the range is outside it.</exception>
    public void ReadChunks(TensorInfo tensor, long offset, long length, int chunkBytes, ByteChunkVisitor visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        CheckTensor(tensor);
        Preconditions.CheckArgument(offset >= 0 && length >= 0 && offset + length <= tensor.ByteLength,
            $"Bytes [{offset}, {offset + length}) are outside tensor '{tensor.Name}' ({tensor.ByteLength} bytes).");
        Preconditions.CheckArgument(chunkBytes > 0, "Chunks need at least one byte.");
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Min(chunkBytes, Math.Max(1, length)));
        try
        {
            for (long done = 0; done < length;)
            {
                var chunk = buffer.AsSpan(0, (int)Math.Min(Math.Min(chunkBytes, buffer.Length), length - done));
                ReadBytes(tensor, offset + done, chunk);
                visit(chunk);
                done += chunk.Length;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads elements of a float tensor (F64, F32, F16, BF16) as floats.</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="elementOffset">First element (row-major), relative to the tensor's start.</param>
    /// <param name="destination">Receives <c>destination.Length</c> elements.</param>
    /// <exception cref="QcqaException">QCQA011 when the tensor's dtype is not a float type.</exception>
    /// <exception cref="ArgumentException">The tensor is not from this file or the range is outside it.</exception>
    /// <remarks>
    /// The bytes come through positional reads into a small buffer, not through the mapping: a pass that converts a
    /// 13 GB model layer by layer would otherwise fault every page of the file into this process's resident set,
    /// where it stays until the mapping is released (the page cache keeps the data either way).
    /// </remarks>
    public void ReadSingles(TensorInfo tensor, long elementOffset, Span<float> destination)
    {
        var size = CheckConvertible(tensor);
        Preconditions.CheckArgument(elementOffset >= 0 && (elementOffset + destination.Length) * size <= tensor.ByteLength,
            $"Elements [{elementOffset}, {elementOffset + destination.Length}) are outside tensor '{tensor.Name}' ({tensor.ElementCount} elements).");
        var chunk = Math.Max(1, ReadBufferBytes / size);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(destination.Length, chunk) * size);
        try
        {
            while (!destination.IsEmpty)
            {
                var count = Math.Min(destination.Length, chunk);
                var bytes = buffer.AsSpan(0, count * size);
                ReadBytes(tensor, elementOffset * size, bytes);
                DtypeConversion.ToSingle(tensor.Dtype, bytes, destination[..count]);
                destination = destination[count..];
                elementOffset += count;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Large enough that a read costs far more than its system call, small enough to stay in the processor's cache.
    private const int ReadBufferBytes = 1 << 20;

    /// <summary>Reads elements of a float tensor (F64, F32, F16, BF16) as doubles (exact).</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="elementOffset">First element (row-major), relative to the tensor's start.</param>
    /// <param name="destination">Receives <c>destination.Length</c> elements.</param>
    /// <exception cref="QcqaException">QCQA011 when the tensor's dtype is not a float type.</exception>
    /// <exception cref="ArgumentException">The tensor is not from this file or the range is outside it.</exception>
    public void ReadDoubles(TensorInfo tensor, long elementOffset, Span<double> destination)
    {
        var size = CheckConvertible(tensor);
        DtypeConversion.ToDouble(tensor.Dtype, GetBytes(tensor, elementOffset * size, checked(destination.Length * size)), destination);
    }

    /// <summary>Reads a whole float tensor as a new float array (for tensors that fit in memory).</summary>
    /// <exception cref="QcqaException">QCQA011 when the tensor's dtype is not a float type.</exception>
    public float[] ReadAllSingles(TensorInfo tensor)
    {
        var values = new float[checked((int)tensor.ElementCount)];
        ReadSingles(tensor, 0, values);
        return values;
    }

    /// <summary>Reads a whole float tensor as a new double array (for tensors that fit in memory).</summary>
    /// <exception cref="QcqaException">QCQA011 when the tensor's dtype is not a float type.</exception>
    public double[] ReadAllDoubles(TensorInfo tensor)
    {
        var values = new double[checked((int)tensor.ElementCount)];
        ReadDoubles(tensor, 0, values);
        return values;
    }

    /// <summary>Releases the mapping; spans obtained earlier become invalid.</summary>
    public void Dispose()
    {
        if (_data == null) return;
        _data = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _stream.Dispose();
    }

    private int CheckConvertible(TensorInfo tensor)
    {
        if (!tensor.Dtype.IsConvertible())
            throw new QcqaException(ErrorCodes.UnsupportedDtype,
                $"Tensor '{tensor.Name}' has dtype {tensor.Dtype.Name()}; only F64, F32, F16 and BF16 tensors can be read as numbers.", Path);
        return tensor.Dtype.Size();
    }

    private void CheckTensor(TensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        Preconditions.CheckArgument(_byName.TryGetValue(tensor.Name, out var own) && ReferenceEquals(own, tensor),
            $"Tensor '{tensor.Name}' does not belong to {Path}.");
    }
}
