namespace Qcqa.Fuzz;

/// <summary>What one fuzzing run of one target did.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Executions">Inputs run.</param>
/// <param name="MaxMilliseconds">The slowest single input, in milliseconds.</param>
/// <param name="Outcomes">Distinct outcome labels seen (the feedback signal).</param>
/// <param name="CorpusSize">Inputs kept in the in-memory corpus at the end.</param>
/// <param name="Findings">Inputs that crashed (unexpected exception) or ran longer than the limit, with what happened.</param>
/// <param name="Seconds">Wall-clock time of the run.</param>
/// <param name="SlowestInput">The input that took <paramref name="MaxMilliseconds"/>, to look into.</param>
internal sealed record FuzzReport(string Target, long Executions, double MaxMilliseconds, int Outcomes, int CorpusSize, IReadOnlyList<(byte[] Input, string Problem)> Findings, double Seconds, byte[] SlowestInput)
{
    /// <summary>One line for logs and the README's figures.</summary>
    public override string ToString()
        => $"{Target}: {Executions:N0} executions in {Seconds:0.0} s ({Executions / Math.Max(Seconds, 1e-9):N0}/s), slowest {MaxMilliseconds:0.0} ms, " +
           $"{Outcomes} distinct outcomes, corpus {CorpusSize}, {Findings.Count} finding(s)";
}
