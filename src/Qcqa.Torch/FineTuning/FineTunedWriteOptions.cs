namespace Qcqa.Torch.FineTuning;

/// <summary>Settings of <see cref="FineTunedCheckpointWriter.Write(FineTunedModel, string, FineTunedWriteOptions?, CancellationToken)"/>.</summary>
public sealed record FineTunedWriteOptions
{
    /// <summary>
    /// Ask the operating system to write every output file to the device before the folder is renamed into place.
    /// Costs time on large models; the output is a regenerable build artifact, so it is off by default.
    /// </summary>
    public bool FlushToDisk { get; init; }

    /// <summary>
    /// Extra text files (file name → content) written into the output folder before it is renamed into place, so
    /// they appear atomically with the checkpoint (for example a build's up-to-date stamp). A copied file of the same
    /// name is replaced.
    /// </summary>
    public IReadOnlyDictionary<string, string>? AdditionalFiles { get; init; }

    /// <summary>
    /// Called with the complete temporary folder just before it is renamed into place, for files the caller computes
    /// from the written checkpoint (the build's stamp lists the folder's files). Throwing abandons the output.
    /// </summary>
    public Action<string>? BeforeCommit { get; init; }

    /// <summary>Test hook: called with each output tensor's name before it is written (throw to simulate a failure).</summary>
    internal Action<string>? BeforeTensor { get; init; }
}
