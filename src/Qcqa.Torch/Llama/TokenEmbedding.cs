using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>The token embedding table, Hugging Face name <c>embed_tokens.weight</c> [vocab, hidden].</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    /// <summary>Allocates an uninitialised table.</summary>
    public TokenEmbedding(string name, long vocabSize, long hiddenSize, Device device) : base(name)
    {
        register_parameter("weight", ModuleParameters.Create(empty(new[] { vocabSize, hiddenSize }, ScalarType.Float32, device)));
    }

    /// <summary>The table, [vocab, hidden].</summary>
    public Parameter Weight => get_parameter("weight")!;

    /// <summary>Looks up token vectors.</summary>
    /// <param name="tokens">[batch, seq], int64.</param>
    /// <returns>[batch, seq, hidden]</returns>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var rows = Weight.index_select(0, tokens.reshape(-1));
        return rows.reshape(tokens.shape[0], tokens.shape[1], Weight.shape[1]).MoveToOuterDisposeScope();
    }
}
