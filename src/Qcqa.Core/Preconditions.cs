using System.Runtime.CompilerServices;

namespace Qcqa.Core;

/// <summary>Guard clauses for programming errors (not user errors: those are <see cref="Diagnostics.QcqaException"/>).</summary>
internal static class Preconditions
{
    internal static T CheckNotNull<T>(T? value, [CallerArgumentExpression(nameof(value))] string? name = null) where T : class
        => value ?? throw new ArgumentNullException(name);

    internal static int CheckPositive(int value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Value must be positive.");

    internal static int CheckRange(int value, int minInclusive, int maxInclusive, [CallerArgumentExpression(nameof(value))] string? name = null)
        => value >= minInclusive && value <= maxInclusive
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"Value must be in [{minInclusive}, {maxInclusive}].");

    internal static double CheckFinite(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
        => double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Value must be finite.");

    internal static void CheckArgument(bool condition, string message, [CallerArgumentExpression(nameof(condition))] string? name = null)
    {
        if (!condition) throw new ArgumentException(message, name);
    }
}
