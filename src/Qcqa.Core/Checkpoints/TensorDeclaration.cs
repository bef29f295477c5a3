namespace Qcqa.Core.Checkpoints;

/// <summary>A tensor to be written by <see cref="SafetensorsWriter"/>: everything the header needs except offsets.</summary>
/// <param name="Name">The tensor's name; unique within the file and not <c>__metadata__</c>.</param>
/// <param name="Dtype">The element type.</param>
/// <param name="Shape">The dimensions, outermost first; all non-negative.</param>
public sealed record TensorDeclaration(string Name, SafetensorsDtype Dtype, IReadOnlyList<long> Shape)
{
    /// <summary>Number of bytes the tensor's data occupies.</summary>
    public long ByteLength => checked(TensorInfo.ElementCountOf(Shape) * Dtype.Size());

    /// <summary>The declaration of an existing tensor (same name, dtype and shape).</summary>
    public static TensorDeclaration Of(TensorInfo info) => new(info.Name, info.Dtype, info.Shape);
}
