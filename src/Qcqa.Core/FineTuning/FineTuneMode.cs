namespace Qcqa.Core.FineTuning;

/// <summary>How fine-tuning trains the merged checkpoint (<c>finetune.mode</c>).</summary>
public enum FineTuneMode
{
    /// <summary>
    /// <c>auto</c> (the default): <see cref="EndToEnd"/> when its memory estimate fits the memory limit,
    /// <see cref="LayerWise"/> otherwise. Resolved before the cache key is formed, so the key names the mode that ran.
    /// </summary>
    Auto,

    /// <summary><c>end-to-end</c>: the whole model resident, trained on the next-token loss (<c>loss</c>).</summary>
    EndToEnd,

    /// <summary>
    /// <c>layerwise</c>: one decoder layer resident; each merged layer is trained to reproduce the original layer's output
    /// on the original model's activations of the training tokens (mean squared error), one layer after another.
    /// </summary>
    LayerWise,
}
