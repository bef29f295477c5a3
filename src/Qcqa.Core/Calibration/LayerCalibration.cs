namespace Qcqa.Core.Calibration;

/// <summary>
/// What one forward pass of the original model over calibration text says about one attention layer: the second
/// moment of the attention's input and how much each query head's output varies under its attention. The aligned
/// merge, its fitness and the allocation read nothing else from data.
/// </summary>
/// <remarks>
/// The input moment is of the augmented input x̃ = [x; 1] (x after the input norm), so biases are fitted like one
/// more input column: C̃ = E[x̃ x̃ᵀ], (D+1)×(D+1), row-major, float64; its last row/column is [E[x]; 1].
/// </remarks>
public sealed class LayerCalibration
{
    private readonly double[] _inputMoment;
    private readonly double[] _headOutputSpread;

    /// <summary>Wraps the statistics (not copied).</summary>
    /// <param name="hiddenSize">D, the attention input's width.</param>
    /// <param name="inputMoment">C̃ = E[x̃ x̃ᵀ], (D+1)² values, row-major, symmetric.</param>
    /// <param name="headOutputSpread">
    /// κ_h per query head: the mean over tokens t of Σ_s a_ts ‖o_s − ō_t‖², where a is head h's attention, o_s the
    /// head's output contribution (o_proj applied to its value) at key s and ō_t the attended mean. It converts a
    /// logit error into an output error (a perturbed softmax moves the output by about that spread).
    /// </param>
    /// <exception cref="ArgumentException">Sizes do not match, or a value is not finite.</exception>
    public LayerCalibration(int hiddenSize, double[] inputMoment, double[] headOutputSpread)
    {
        HiddenSize = Preconditions.CheckPositive(hiddenSize);
        Preconditions.CheckNotNull(inputMoment);
        Preconditions.CheckNotNull(headOutputSpread);
        Preconditions.CheckArgument(inputMoment.LongLength == (long)(hiddenSize + 1) * (hiddenSize + 1),
            $"The input moment needs {(long)(hiddenSize + 1) * (hiddenSize + 1)} values, got {inputMoment.Length}.");
        Preconditions.CheckArgument(headOutputSpread.Length > 0, "The head output spread needs one value per query head.");
        Preconditions.CheckArgument(inputMoment.All(double.IsFinite) && headOutputSpread.All(double.IsFinite),
            "Calibration statistics must be finite numbers.");
        _inputMoment = inputMoment;
        _headOutputSpread = headOutputSpread;
    }

    /// <summary>D.</summary>
    public int HiddenSize { get; }

    /// <summary>The number of query heads.</summary>
    public int QueryHeads => _headOutputSpread.Length;

    /// <summary>C̃ = E[x̃ x̃ᵀ], row-major (D+1)×(D+1).</summary>
    public ReadOnlySpan<double> InputMoment => _inputMoment;

    /// <summary>κ_h per query head.</summary>
    public ReadOnlySpan<double> HeadOutputSpread => _headOutputSpread;
}
