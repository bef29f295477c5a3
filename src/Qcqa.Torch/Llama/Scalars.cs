using TorchSharp;

namespace Qcqa.Torch.Llama;

/// <summary>
/// Scalars that outlive every native call using them. TorchSharp turns a number passed where a <see cref="Scalar"/>
/// is expected (and the implicit alpha of <c>a + b</c>) into a temporary whose finalizer may run while libtorch
/// still reads it, when a garbage collection happens mid-call; under load that surfaced as a rare
/// "Expected false to be true … toFloat" failure in <c>add</c>. Hot paths therefore pass these rooted Scalars,
/// and one-off Scalars are held by <c>using</c> until the call returns.
/// </summary>
internal static class Scalars
{
    /// <summary>1, the alpha of a plain tensor addition.</summary>
    internal static readonly Scalar One = 1.ToScalar();

    /// <summary>2, the exponent of a square.</summary>
    internal static readonly Scalar Two = 2.ToScalar();

    /// <summary>a + b with a rooted alpha.</summary>
    internal static torch.Tensor Add(torch.Tensor a, torch.Tensor b) => a.add(b, One);

    /// <summary>arange(start, stop) as int64, with its Scalars alive for the whole call.</summary>
    internal static torch.Tensor Range(long start, long stop, torch.Device device)
    {
        using var from = start.ToScalar();
        using var to = stop.ToScalar();
        return torch.arange(from, to, One, torch.ScalarType.Int64, device);
    }
}
