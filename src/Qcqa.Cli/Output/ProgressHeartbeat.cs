using Qcqa.Core.Progress;

namespace Qcqa.Cli.Output;

/// <summary>
/// Decides which "advanced" events of a long stage are worth a line of their own where only finished stages are shown
/// (redirected output, MSBuild's default verbosity): at most one per <see cref="Interval"/> of the stage's own time, so a
/// fine-tuning run of an hour shows its loss and time left every half minute while a two-second search stays one line.
/// </summary>
internal sealed class ProgressHeartbeat
{
    /// <summary>Stage time between two shown advances of the same stage and subject.</summary>
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<(string Stage, string Subject), TimeSpan> _lastShown = new();
    private readonly object _gate = new();

    /// <summary>Whether <paramref name="value"/> (an advance) is shown; the stage's start and end reset its clock.</summary>
    internal bool Shows(BuildProgressEvent value)
    {
        var key = (value.Stage, value.Subject);
        lock (_gate)
        {
            if (value.Kind != BuildProgressKind.Advanced)
            {
                _lastShown.Remove(key);
                return false;
            }
            var last = _lastShown.GetValueOrDefault(key, TimeSpan.Zero);
            if (value.Elapsed - last < Interval) return false;
            _lastShown[key] = value.Elapsed;
            return true;
        }
    }
}
