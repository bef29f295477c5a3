using System.CommandLine;
using System.Globalization;

namespace Qcqa.Cli.Infrastructure;

/// <summary>
/// Ranges and shapes of option values, checked while parsing so that a bad value is reported as a QCQA003 line that
/// names the option, before any command runs (never as a crash deep inside it).
/// </summary>
internal static class OptionRules
{
    /// <summary>Requires the option's value, when given, to lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal static Option<int> InRange(this Option<int> option, int min, int max)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0) return;
            var value = result.GetValueOrDefault<int>();
            if (value < min || value > max) result.AddError(RangeMessage(option.Name, value.ToString(CultureInfo.InvariantCulture), min, max));
        });
        return option;
    }

    /// <summary>Requires the option's value, when given, to lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal static Option<int?> InRange(this Option<int?> option, int min, int max)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && (value < min || value > max))
                result.AddError(RangeMessage(option.Name, value.ToString(CultureInfo.InvariantCulture), min, max));
        });
        return option;
    }

    /// <summary>Requires the option's value, when given, to lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal static Option<long?> InRange(this Option<long?> option, long min, long max)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is { } value && (value < min || value > max))
                result.AddError(RangeMessage(option.Name, value.ToString(CultureInfo.InvariantCulture), min, max));
        });
        return option;
    }

    /// <summary>Requires a path option, when given, to be non-empty and free of NUL characters.</summary>
    internal static Option<T> NonEmptyPath<T>(this Option<T> option) where T : class?
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (string.IsNullOrWhiteSpace(token.Value)) result.AddError($"{option.Name} is empty; give a path.");
                else if (token.Value.Contains('\0')) result.AddError($"{option.Name} contains a NUL character.");
            }
        });
        return option;
    }

    /// <summary>Requires a path argument to be non-empty.</summary>
    internal static Argument<string> NonEmptyPath(this Argument<string> argument)
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
                if (string.IsNullOrWhiteSpace(token.Value) || token.Value.Contains('\0')) result.AddError($"<{argument.Name}> is empty; give a path.");
        });
        return argument;
    }

    private static string RangeMessage(string name, string value, long min, long max)
        => max == int.MaxValue || max == long.MaxValue
            ? $"{name} must be {min} or more; got {value}."
            : $"{name} must be between {min} and {max}; got {value}.";
}
