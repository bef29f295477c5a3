using Qcqa.Torch.Llama;
using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

/// <summary>The model is an ordinary trainable module: gradients reach every parameter and an optimiser lowers the loss.</summary>
public sealed class LlamaTrainingTests
{
    [Fact]
    public void AFewAdamWStepsLowerTheNextTokenLoss()
    {
        var config = TinyLlama.Config(layouts: [AttentionLayout.FromMap([0, 1, 0, 2, 1, 0]), AttentionLayout.RepeatKv(6, 2)], bias: true);
        using var model = new LlamaModel(config, seed: 21);
        using var optimizer = optim.AdamW(model.parameters(), lr: 3e-3);
        using var data = NewDisposeScope();
        var tokens = TinyLlama.Tokens(config, 4, 12, 22);
        var inputs = tokens.narrow(1, 0, 11);
        var targets = tokens.narrow(1, 1, 11).reshape(-1);

        double Loss(bool step)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.forward(inputs).reshape(-1, config.VocabSize);
            var loss = nn.functional.cross_entropy(logits, targets);
            if (step)
            {
                loss.backward();
                Assert.All(model.named_parameters(), p => Assert.True(p.parameter.grad is not null, p.name));
                optimizer.step();
            }
            return loss.item<float>();
        }

        var before = Loss(step: false);
        for (var i = 0; i < 20; i++) Loss(step: true);
        var after = Loss(step: false);

        Assert.True(after < before - 0.5, $"loss went from {before} to {after}");
    }
}
