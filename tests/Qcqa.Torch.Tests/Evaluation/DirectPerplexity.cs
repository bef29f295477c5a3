using Qcqa.Torch.Llama;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>The perplexity definition written out the plainest way: one window at a time, token by token.</summary>
internal static class DirectPerplexity
{
    /// <summary>Σ −log p(token t+1 | tokens ≤ t) over one window, the log-probabilities taken from a float32 log-softmax.</summary>
    public static (double Nll, int Scored) Window(LlamaModel model, long[] window)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logProbabilities = model.forward(tensor(window).reshape(1, window.Length)).log_softmax(-1);
        double nll = 0;
        for (var t = 0; t + 1 < window.Length; t++) nll -= logProbabilities[0, t, window[t + 1]].item<float>();
        return (nll, window.Length - 1);
    }

    /// <summary>exp(mean NLL) over the windows of <paramref name="size"/> tokens (a last window of 1 token dropped).</summary>
    public static double Of(LlamaModel model, long[] tokens, int size)
    {
        double nll = 0;
        var scored = 0;
        for (var start = 0; start < tokens.Length; start += size)
        {
            var window = tokens.Skip(start).Take(size).ToArray();
            if (window.Length < 2) continue;
            var (n, s) = Window(model, window);
            nll += n;
            scored += s;
        }
        return Math.Exp(nll / scored);
    }
}
