namespace Qcqa.Core.Checkpoints;

/// <summary>One tensor of a safetensors file: its name, element type, shape and where its bytes are.</summary>
/// <param name="Name">The tensor's name, e.g. <c>model.layers.0.self_attn.k_proj.weight</c>.</param>
/// <param name="Dtype">The element type.</param>
/// <param name="Shape">The dimensions, outermost first (row-major); empty for a scalar.</param>
/// <param name="DataBegin">First byte, relative to the start of the data section.</param>
/// <param name="DataEnd">One past the last byte, relative to the start of the data section.</param>
public sealed record TensorInfo(string Name, SafetensorsDtype Dtype, IReadOnlyList<long> Shape, long DataBegin, long DataEnd)
{
    /// <summary>Number of bytes (<see cref="DataEnd"/> − <see cref="DataBegin"/>).</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long ElementCount => ElementCountOf(Shape);

    /// <summary>The shape as text, e.g. <c>[4096, 4096]</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Product of <paramref name="shape"/>, with overflow checked.</summary>
    /// <exception cref="OverflowException">The product does not fit in 64 bits.</exception>
    public static long ElementCountOf(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape) count = checked(count * dimension);
        return count;
    }

    /// <summary>Formats a shape as <c>[a, b, ...]</c>.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>True when both shapes have the same dimensions.</summary>
    public static bool ShapesEqual(IReadOnlyList<long> a, IReadOnlyList<long> b) => a.SequenceEqual(b);
}
