using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// A layer's projections after the aligned merge, float64, augmented with their bias column as in
/// <see cref="AttentionMatrices"/>: <see cref="Query"/> [H·d, D+1] and <see cref="Output"/> [D, H·d] in the input's
/// query-head order with each head's map folded in, <see cref="Key"/> and <see cref="Value"/> [G·d, D+1] with one
/// merged head per group, in group order.
/// </summary>
public sealed record AlignedLayer(Tensor Query, Tensor Key, Tensor Value, Tensor Output) : IDisposable
{
    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Query.Dispose();
        Key.Dispose();
        Value.Dispose();
        Output.Dispose();
    }
}
