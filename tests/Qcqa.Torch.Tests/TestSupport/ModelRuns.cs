using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.TestSupport;

/// <summary>Loads checkpoints and runs them on fixed tokens, returning logits that outlive the models.</summary>
internal static class ModelRuns
{
    /// <summary>Deterministic token ids [batch, seq] in [0, vocab).</summary>
    public static Tensor Tokens(int vocab, long batch, long seq, long seed)
    {
        var generator = new Generator((ulong)seed, CPU);
        return randint(0, vocab, new[] { batch, seq }, dtype: ScalarType.Int64, generator: generator);
    }

    /// <summary>Logits [batch, seq, vocab] of the checkpoint in <paramref name="folder"/>.</summary>
    public static Tensor Logits(string folder, Tensor tokens, bool ignoreQcqaBlock = false)
    {
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint, new CheckpointLoadOptions { IgnoreQcqaBlock = ignoreQcqaBlock });
        return Run(model, tokens);
    }

    /// <summary>Logits of the checkpoint in <paramref name="folder"/> with its K/V merged in memory by <paramref name="grouping"/>.</summary>
    public static Tensor MergedLogits(string folder, ModelGrouping grouping, Tensor tokens)
    {
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.LoadMerged(checkpoint, grouping);
        return Run(model, tokens);
    }

    /// <summary>Logits of a model without autograd.</summary>
    public static Tensor Run(LlamaModel model, Tensor tokens)
    {
        using var noGrad = no_grad();
        return model.forward(tokens);
    }

    /// <summary>max |a − b|.</summary>
    public static double MaxDifference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<float>();
    }
}
