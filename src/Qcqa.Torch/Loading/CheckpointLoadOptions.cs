using static TorchSharp.torch;

namespace Qcqa.Torch.Loading;

/// <summary>Settings of <see cref="CheckpointModelLoader"/>.</summary>
public sealed record CheckpointLoadOptions
{
    /// <summary>Where the parameters live and compute runs; CPU when null.</summary>
    public Device? Device { get; init; }

    /// <summary>
    /// Read the attention layout from <c>num_key_value_heads</c> alone (Transformers' <c>repeat_kv</c>: query head h
    /// reads KV head h / (H / G)), ignoring a <c>qcqa</c> block. This is how a stock loader sees the checkpoint; it
    /// only works for checkpoints whose layers all keep <c>num_key_value_heads</c> KV heads.
    /// </summary>
    public bool IgnoreQcqaBlock { get; init; }
}
