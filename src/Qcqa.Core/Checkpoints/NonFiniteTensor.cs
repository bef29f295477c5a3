namespace Qcqa.Core.Checkpoints;

/// <summary>A tensor that holds NaN or ±Inf values.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="File">The weight file holding it.</param>
/// <param name="Count">How many of its elements are not finite.</param>
/// <param name="Elements">How many elements it has.</param>
public sealed record NonFiniteTensor(string Name, string File, long Count, long Elements)
{
    /// <summary>A one-line warning for logs.</summary>
    public string Describe() => $"Tensor '{Name}' in {File} holds {Count:N0} non-finite value(s) (NaN or infinity) out of {Elements:N0}; it is copied unchanged.";
}
