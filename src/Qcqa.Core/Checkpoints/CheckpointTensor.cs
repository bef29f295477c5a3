namespace Qcqa.Core.Checkpoints;

/// <summary>A tensor of a <see cref="Checkpoint"/>: its header entry and the (shard) file holding it.</summary>
/// <param name="File">The safetensors file holding the tensor.</param>
/// <param name="Info">The tensor's header entry in <paramref name="File"/>.</param>
public sealed record CheckpointTensor(SafetensorsFile File, TensorInfo Info)
{
    /// <summary>The tensor's name.</summary>
    public string Name => Info.Name;

    /// <summary>The tensor's element type.</summary>
    public SafetensorsDtype Dtype => Info.Dtype;

    /// <summary>The tensor's shape, outermost first.</summary>
    public IReadOnlyList<long> Shape => Info.Shape;

    /// <summary>Reads elements as doubles (exact), starting at element <paramref name="elementOffset"/> (row-major).</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public void ReadDoubles(long elementOffset, Span<double> destination) => File.ReadDoubles(Info, elementOffset, destination);

    /// <summary>Reads elements as floats, starting at element <paramref name="elementOffset"/> (row-major).</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public void ReadSingles(long elementOffset, Span<float> destination) => File.ReadSingles(Info, elementOffset, destination);

    /// <summary>The whole tensor as a new double array (for tensors that fit in memory).</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public double[] ReadAllDoubles() => File.ReadAllDoubles(Info);

    /// <summary>The whole tensor as a new float array (for tensors that fit in memory).</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA011 when the tensor is not a float tensor.</exception>
    public float[] ReadAllSingles() => File.ReadAllSingles(Info);
}
