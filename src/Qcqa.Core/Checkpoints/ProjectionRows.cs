namespace Qcqa.Core.Checkpoints;

/// <summary>
/// One attention projection (the Q, K or V weight, or its bias) as it lies in a stored tensor: one block of
/// <see cref="RowsPerHead"/> rows per head, anywhere in the tensor. A Llama <c>k_proj.weight</c> is all of its
/// tensor, head after head; the K rows of Phi-3's fused <c>qkv_proj</c> are one contiguous run inside it; the K rows
/// of GPT-NeoX's <c>query_key_value</c> are every third block of d rows. Reading through this type presents the
/// projection as if it were its own [heads·d, D] (or [heads·d]) tensor, head after head, whatever the family.
/// </summary>
/// <remarks>Invariant: every head's block lies inside <see cref="Tensor"/>; a head's rows are contiguous bytes.</remarks>
public sealed class ProjectionRows
{
    private readonly long[] _firstRows;

    /// <summary>Describes the rows of <paramref name="tensor"/> that hold a projection.</summary>
    /// <param name="tensor">The stored tensor, 2-D [rows, D] for a weight or 1-D [rows] for a bias.</param>
    /// <param name="firstRows">Per head, in head order, the first row of its block.</param>
    /// <param name="rowsPerHead">d, rows per head.</param>
    /// <exception cref="ArgumentException">A block lies outside the tensor, or the tensor is neither 1-D nor 2-D.</exception>
    public ProjectionRows(CheckpointTensor tensor, IReadOnlyList<long> firstRows, int rowsPerHead)
    {
        Tensor = Preconditions.CheckNotNull(tensor);
        Preconditions.CheckNotNull(firstRows);
        RowsPerHead = Preconditions.CheckPositive(rowsPerHead);
        Preconditions.CheckArgument(tensor.Shape.Count is 1 or 2, $"Tensor '{tensor.Name}' must be 1-D or 2-D to hold a projection.");
        Preconditions.CheckArgument(firstRows.Count > 0, "A projection has at least one head.");
        var rows = tensor.Shape[0];
        foreach (var first in firstRows)
            Preconditions.CheckArgument(first >= 0 && first + rowsPerHead <= rows, $"Rows [{first}, {first + rowsPerHead}) are outside tensor '{tensor.Name}' ({rows} rows).");
        _firstRows = firstRows.ToArray();
        Columns = tensor.Shape.Count == 2 ? tensor.Shape[1] : 1;
    }

    /// <summary>The stored tensor holding the projection.</summary>
    public CheckpointTensor Tensor { get; }

    /// <summary>The stored tensor's name (a fused tensor's name for each projection it holds).</summary>
    public string Name => Tensor.Name;

    /// <summary>The stored element type.</summary>
    public SafetensorsDtype Dtype => Tensor.Dtype;

    /// <summary>Number of heads.</summary>
    public int Heads => _firstRows.Length;

    /// <summary>d, the rows of one head.</summary>
    public int RowsPerHead { get; }

    /// <summary>D for a weight; 1 for a bias.</summary>
    public long Columns { get; }

    /// <summary>True for a bias (a 1-D tensor).</summary>
    public bool IsBias => Tensor.Shape.Count == 1;

    /// <summary>The projection's own shape: [heads·d, D] for a weight, [heads·d] for a bias.</summary>
    public IReadOnlyList<long> Shape => IsBias ? [(long)Heads * RowsPerHead] : [(long)Heads * RowsPerHead, Columns];

    /// <summary>Elements of one head's block: d·D (or d).</summary>
    public long HeadElements => RowsPerHead * Columns;

    /// <summary>Bytes of one head's block.</summary>
    public long HeadByteLength => HeadElements * Dtype.Size();

    /// <summary>Elements of the whole projection.</summary>
    public long ElementCount => Heads * HeadElements;

    /// <summary>Bytes of the whole projection.</summary>
    public long ByteLength => Heads * HeadByteLength;

    /// <summary>True when the projection is its whole tensor, head after head (a Llama <c>k_proj.weight</c>).</summary>
    public bool IsWholeTensor => (long)Heads * RowsPerHead == Tensor.Shape[0] && IsContiguous && _firstRows[0] == 0;

    /// <summary>The first row of head <paramref name="head"/>'s block in the stored tensor.</summary>
    public long FirstRow(int head) => _firstRows[Preconditions.CheckRange(head, 0, Heads - 1)];

    /// <summary>Where head <paramref name="head"/>'s bytes start, relative to the stored tensor's start.</summary>
    public long HeadByteOffset(int head) => FirstRow(head) * Columns * Dtype.Size();

    /// <summary>Reads elements of head <paramref name="head"/>'s block as doubles (exact), from element <paramref name="offset"/> of the block.</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public void ReadHeadDoubles(int head, long offset, Span<double> destination)
    {
        Preconditions.CheckArgument(offset >= 0 && offset + destination.Length <= HeadElements, "The range is outside the head's block.");
        Tensor.ReadDoubles(FirstRow(head) * Columns + offset, destination);
    }

    /// <summary>Reads elements of head <paramref name="head"/>'s block as floats, from element <paramref name="offset"/> of the block.</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public void ReadHeadSingles(int head, long offset, Span<float> destination)
    {
        Preconditions.CheckArgument(offset >= 0 && offset + destination.Length <= HeadElements, "The range is outside the head's block.");
        Tensor.ReadSingles(FirstRow(head) * Columns + offset, destination);
    }

    /// <summary>Reads elements of the projection as doubles (exact), from element <paramref name="elementOffset"/> of its own row-major order.</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public void ReadDoubles(long elementOffset, Span<double> destination)
    {
        while (!destination.IsEmpty)
        {
            var (head, within, length) = Run(elementOffset, destination.Length);
            Tensor.ReadDoubles(FirstRow(head) * Columns + within, destination[..length]);
            destination = destination[length..];
            elementOffset += length;
        }
    }

    /// <summary>Reads elements of the projection as floats, from element <paramref name="elementOffset"/> of its own row-major order.</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public void ReadSingles(long elementOffset, Span<float> destination)
    {
        while (!destination.IsEmpty)
        {
            var (head, within, length) = Run(elementOffset, destination.Length);
            Tensor.ReadSingles(FirstRow(head) * Columns + within, destination[..length]);
            destination = destination[length..];
            elementOffset += length;
        }
    }

    /// <summary>The whole projection as a new double array, head after head (for projections that fit in memory).</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public double[] ReadAllDoubles()
    {
        var values = new double[checked((int)ElementCount)];
        ReadDoubles(0, values);
        return values;
    }

    /// <summary>The whole projection as a new float array, head after head (for projections that fit in memory).</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public float[] ReadAllSingles()
    {
        var values = new float[checked((int)ElementCount)];
        ReadSingles(0, values);
        return values;
    }

    /// <summary>
    /// The stored byte ranges of the projection in head order, neighbouring blocks joined: one range for a Llama
    /// projection or a Phi-3 slice, one per head for GPT-NeoX.
    /// </summary>
    /// <returns>(offset relative to the tensor's start, length) pairs whose lengths sum to <see cref="ByteLength"/>.</returns>
    public IReadOnlyList<(long Offset, long Length)> ByteRanges()
    {
        var ranges = new List<(long Offset, long Length)>();
        for (var head = 0; head < Heads; head++)
        {
            var offset = HeadByteOffset(head);
            if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length == offset)
                ranges[^1] = (ranges[^1].Offset, ranges[^1].Length + HeadByteLength);
            else
                ranges.Add((offset, HeadByteLength));
        }
        return ranges;
    }

    /// <summary>
    /// Reads the projection's stored bytes, head after head, into <paramref name="destination"/> (exactly
    /// <see cref="ByteLength"/> bytes) with positional reads of the file, one per range of <see cref="ByteRanges"/>.
    /// </summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA010 when the file was truncated after opening.</exception>
    public void ReadBytes(Span<byte> destination)
    {
        Preconditions.CheckArgument(destination.Length == ByteLength, $"The destination must hold exactly {ByteLength} bytes.");
        var position = 0;
        foreach (var (offset, length) in ByteRanges())
        {
            Tensor.File.ReadBytes(Tensor.Info, offset, destination.Slice(position, (int)length));
            position += (int)length;
        }
    }

    private bool IsContiguous
    {
        get
        {
            for (var head = 1; head < Heads; head++)
                if (_firstRows[head] != _firstRows[head - 1] + RowsPerHead) return false;
            return true;
        }
    }

    // The run of elements from logical element `offset` that stays inside one head's block, at most `wanted` long.
    private (int Head, long Within, int Length) Run(long offset, int wanted)
    {
        Preconditions.CheckArgument(offset >= 0 && offset < ElementCount, $"Element {offset} is outside the projection ({ElementCount} elements).");
        var head = (int)(offset / HeadElements);
        var within = offset - head * HeadElements;
        return (head, within, (int)Math.Min(wanted, HeadElements - within));
    }
}
