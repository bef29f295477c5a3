using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Qcqa;

/// <summary>
/// Guard clauses for programming errors: a caller broke a documented contract. User errors (bad input files,
/// impossible budgets) are <c>Qcqa.Core.Diagnostics.QcqaException</c> instead. This file is compiled into every
/// library that needs it (see <c>src/Shared/README.md</c>), so each has its own internal copy of one source.
/// </summary>
internal static class Preconditions
{
    /// <summary>Returns <paramref name="value"/>, or throws when it is null.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    internal static T CheckNotNull<T>([NotNull] T? value, [CallerArgumentExpression(nameof(value))] string? name = null) where T : class
        => value ?? throw new ArgumentNullException(name);

    /// <summary>Returns <paramref name="value"/>, or throws when it is zero or negative.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> ≤ 0.</exception>
    internal static int CheckPositive(int value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Value must be positive.");

    /// <summary>Returns <paramref name="value"/>, or throws when it is zero or negative.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> ≤ 0.</exception>
    internal static long CheckPositive(long value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Value must be positive.");

    /// <summary>Returns <paramref name="value"/>, or throws when it is outside [<paramref name="minInclusive"/>, <paramref name="maxInclusive"/>].</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is out of range.</exception>
    internal static int CheckRange(int value, int minInclusive, int maxInclusive, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value >= minInclusive && value <= maxInclusive
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"Value must be in [{minInclusive}, {maxInclusive}].");

    /// <summary>Returns <paramref name="value"/>, or throws when it is NaN or infinite.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    internal static double CheckFinite(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Value must be finite.");

    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    /// <exception cref="ArgumentException"><paramref name="condition"/> is false; the message is <paramref name="message"/>.</exception>
    internal static void CheckArgument([DoesNotReturnIf(false)] bool condition, string message, [CallerArgumentExpression(nameof(condition))] string? name = null)
    {
        if (!condition) throw new ArgumentException(message, name);
    }
}
