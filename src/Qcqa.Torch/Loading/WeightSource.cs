using Qcqa.Core.Checkpoints;

namespace Qcqa.Torch.Loading;

/// <summary>Where the values of one model parameter come from: a checkpoint tensor, or values computed in memory.</summary>
/// <param name="Name">The Hugging Face name of the parameter.</param>
/// <param name="Read">Produces the values as float32, row-major.</param>
internal sealed record WeightSource(string Name, WeightReader Read)
{
    /// <summary>A checkpoint tensor, converted from its stored dtype (F32, F16, BF16, F64) straight from the mapping.</summary>
    public static WeightSource FromTensor(CheckpointTensor tensor) => new(tensor.Name, tensor.ReadSingles);

    /// <summary>Values already computed, in row-major order.</summary>
    public static WeightSource FromValues(string name, float[] values)
        => new(name, (offset, destination) => values.AsSpan(checked((int)offset), destination.Length).CopyTo(destination));
}
