using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Allocation;

/// <summary>Resolves <see cref="AllocationMethod.Auto"/> for an opened model.</summary>
public static class AllocationDefaults
{
    /// <summary>
    /// The largest model (in parameters) <see cref="AllocationMethod.Auto"/> allocates by measured cost: a probe of
    /// every candidate of every layer costs about layers² × candidates / 2 layer passes and holds the whole model in
    /// float32, which is seconds for the reference model and hours (and 27 GB) for a 7B one.
    /// </summary>
    public const long MeasuredParameterLimit = 1_000_000_000;

    /// <summary>The method <paramref name="method"/> stands for on <paramref name="checkpoint"/>.</summary>
    public static AllocationMethod Resolve(AllocationMethod method, Checkpoint checkpoint)
    {
        Preconditions.CheckNotNull(checkpoint);
        if (method != AllocationMethod.Auto) return method;
        return ParameterCount(checkpoint) <= MeasuredParameterLimit ? AllocationMethod.Measured : AllocationMethod.Gradient;
    }

    /// <summary>The elements of every tensor of the checkpoint.</summary>
    public static long ParameterCount(Checkpoint checkpoint) => checkpoint.Tensors.Sum(t => t.Info.ElementCount);
}
