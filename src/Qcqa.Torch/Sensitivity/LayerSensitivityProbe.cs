using Qcqa.Core.Grouping;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Sensitivity;

/// <summary>
/// Measures what merging one layer costs the whole model: the mean KL divergence, per token, from the original
/// model's next-token distribution to the distribution with only that layer merged, on probe windows of
/// calibration text. Stage 2 then compares layers on this common scale, which a layer-local error cannot give (an
/// early layer's error grows through every later layer).
/// </summary>
/// <remarks>
/// The merged layer is swapped into the loaded original model in its expanded form — every KV unit carries its
/// group's merged head — which computes exactly the merged layer's function with the model's own shapes; the
/// original weights are put back after each measurement.
/// </remarks>
public sealed class LayerSensitivityProbe : IDisposable
{
    private readonly LlamaModel _model;
    private readonly Tensor _tokens;
    private readonly Tensor _reference;
    private readonly Tensor[] _layerInputs;

    /// <summary>Runs the original model once over <paramref name="tokens"/> (full windows of <paramref name="window"/>).</summary>
    /// <param name="model">The original model; its weights are borrowed and restored by every measurement.</param>
    /// <param name="tokens">Probe tokens (at least one window).</param>
    /// <param name="window">Tokens per window.</param>
    public LayerSensitivityProbe(LlamaModel model, IReadOnlyList<long> tokens, int window)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(tokens);
        var windows = tokens.Count / window;
        if (windows < 1) throw new ArgumentException($"The probe needs at least one window of {window} tokens; got {tokens.Count}.", nameof(tokens));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _tokens = tensor(tokens.Take(windows * window).ToArray(), ScalarType.Int64).reshape(windows, window).DetachFromDisposeScope();
        _reference = model.forward(_tokens).log_softmax(-1).DetachFromDisposeScope();
        // Layers before the merged one are unchanged: each measurement starts from the stream entering its layer.
        _layerInputs = model.Stack.LayerInputs(_tokens.to(model.Device));
    }

    /// <summary>Tokens each measurement scores.</summary>
    public long Tokens => _tokens.numel();

    /// <summary>The mean KL divergence (nats per token) caused by replacing layer <paramref name="layer"/> with <paramref name="merged"/>.</summary>
    /// <param name="layer">The layer index.</param>
    /// <param name="merged">The layer's merged projections (from <see cref="LayerAlignment.Merge"/>).</param>
    /// <param name="grouping">The grouping <paramref name="merged"/> was made with (its groups order the merged heads).</param>
    public double Measure(int layer, AlignedLayer merged, LayerGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(grouping);
        var attention = _model.Stack.Layers[layer].Attention;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var projections = new[] { attention.Query, attention.Key, attention.Value, attention.Output };
        var saved = projections.Select(p => (p.Weight.clone(), p.Bias?.clone())).ToArray();
        try
        {
            var d = attention.HeadDim;
            var groupOfUnit = tensor(Enumerable.Range(0, grouping.HeadCount).Select(u => (long)grouping.GroupOf(u)).ToArray(), ScalarType.Int64);
            Tensor Expand(Tensor heads) => heads.view(grouping.GroupCount, d, -1).index_select(0, groupOfUnit).reshape(grouping.HeadCount * d, -1);
            Set(attention.Query, merged.Query);
            Set(attention.Key, Expand(merged.Key));
            Set(attention.Value, Expand(merged.Value));
            attention.Output.Weight.copy_(merged.Output);
            var log = _model.ForwardFrom(layer, _layerInputs[layer]).log_softmax(-1);
            return (_reference.exp() * (_reference - log)).sum(-1).mean().to_type(ScalarType.Float64).item<double>();
        }
        finally
        {
            for (var i = 0; i < projections.Length; i++)
            {
                projections[i].Weight.copy_(saved[i].Item1);
                if (saved[i].Item2 is { } bias) projections[i].Bias!.copy_(bias);
            }
        }
    }

    // Augmented [rows, D+1] → weight [rows, D] and (when the projection has one) bias [rows].
    private static void Set(Projection projection, Tensor augmented)
    {
        var width = augmented.shape[1] - 1;
        projection.Weight.copy_(augmented.narrow(1, 0, width));
        projection.Bias?.copy_(augmented.select(1, width));
    }

    /// <summary>Releases the probe windows and reference distributions.</summary>
    public void Dispose()
    {
        _tokens.Dispose();
        _reference.Dispose();
        foreach (var input in _layerInputs) input.Dispose();
    }
}
