namespace Qcqa.Torch.Loading;

/// <summary>
/// Produces the float32 values of one weight, a contiguous run at a time: fills <paramref name="destination"/> with
/// elements [<paramref name="elementOffset"/>, <paramref name="elementOffset"/> + length) in row-major order.
/// </summary>
internal delegate void WeightReader(long elementOffset, Span<float> destination);
