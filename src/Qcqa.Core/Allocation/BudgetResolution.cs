using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Allocation;

/// <summary>A budget applied to one model: the resolved budget when it fits, else every problem found.</summary>
/// <param name="Budget">What each layer may keep and the global capacity; null exactly when there are problems.</param>
/// <param name="Problems">Every problem (QCQA030), positioned at the budget or at the rule at fault; empty when it fits.</param>
public sealed record BudgetResolution(ResolvedBudget? Budget, IReadOnlyList<Diagnostic> Problems)
{
    /// <summary>True when the budget fits the model.</summary>
    public bool Succeeded => Budget is not null;

    /// <summary>The resolved budget.</summary>
    /// <exception cref="QcqaException">The budget does not fit (a <see cref="QcqaSpecException"/> when there are several problems).</exception>
    public ResolvedBudget GetOrThrow()
    {
        QcqaSpecException.ThrowIfAny(Problems);
        return Budget!;
    }
}
