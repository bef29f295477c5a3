namespace Qcqa.Torch.FineTuning;

/// <summary>Which of the model's tensors fine-tuning changes (spec spelling in brackets); the rest stay bit-identical.</summary>
public enum TrainableParameters
{
    /// <summary>
    /// (<c>attention</c>) The attention projections only: every layer's <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>
    /// and <c>o_proj</c> weights (and biases when the model has them). The merge changed nothing else, and frozen
    /// tensors need no weight gradients, which makes a step cheaper.
    /// </summary>
    Attention,

    /// <summary>(<c>all</c>) Every parameter: embeddings, norms, attention, MLPs, output head.</summary>
    All,
}
