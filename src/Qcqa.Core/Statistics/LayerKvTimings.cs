namespace Qcqa.Core.Statistics;

/// <summary>Where the time of a <see cref="LayerKvReader"/> pass went; accumulates over several passes.</summary>
public sealed class LayerKvTimings
{
    /// <summary>Elapsed time from the start of reading to the last layer computed.</summary>
    public TimeSpan Wall { get; set; }

    /// <summary>Time the reader spent in reads (it overlaps the computation).</summary>
    public TimeSpan Read { get; set; }

    /// <summary>Time spent computing, summed over the workers.</summary>
    public TimeSpan Compute { get; set; }

    /// <summary>Bytes read.</summary>
    public long Bytes { get; set; }

    /// <summary>Workers of the last pass.</summary>
    public int Threads { get; set; }
}
