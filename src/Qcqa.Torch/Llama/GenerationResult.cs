namespace Qcqa.Torch.Llama;

/// <summary>Generated tokens and how long producing them took.</summary>
/// <param name="Tokens">The new tokens (the prompt excluded).</param>
/// <param name="PrefillTime">Time of the prompt pass, which also yields the first new token.</param>
/// <param name="DecodeTime">Time of the incremental steps that yield the remaining tokens.</param>
/// <param name="KvCacheBytes">Bytes of keys and values cached at the end (prompt plus all but the last token).</param>
public sealed record GenerationResult(IReadOnlyList<long> Tokens, TimeSpan PrefillTime, TimeSpan DecodeTime, long KvCacheBytes)
{
    /// <summary>Incremental steps per second (tokens after the first), or 0 when there were none.</summary>
    public double DecodeTokensPerSecond =>
        Tokens.Count > 1 && DecodeTime > TimeSpan.Zero ? (Tokens.Count - 1) / DecodeTime.TotalSeconds : 0;
}
