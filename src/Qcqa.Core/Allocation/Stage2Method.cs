namespace Qcqa.Core.Allocation;

/// <summary>How stage 2 chooses the KV heads of every layer.</summary>
public enum Stage2Method
{
    /// <summary>Exact multiple-choice knapsack over every G of every layer (the default).</summary>
    Exact,
    /// <summary>The paper's own stage 2: each layer either its grouping at one fixed G or MHA (for comparison).</summary>
    Paper,
}
