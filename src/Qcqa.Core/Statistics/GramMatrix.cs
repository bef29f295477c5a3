namespace Qcqa.Core.Statistics;

/// <summary>
/// The H×H Gram matrix A = K Kᵀ + V Vᵀ of one layer's flattened KV heads, in float64. Everything the search needs
/// about a layer: the weight-sharing error of any grouping follows from A alone (see <see cref="Wse.WseCalculator"/>).
/// </summary>
/// <remarks>Row-major, symmetric; entry (i, j) is ⟨K_i, K_j⟩ + ⟨V_i, V_j⟩ over the flattened head blocks.</remarks>
public sealed class GramMatrix
{
    private readonly double[] _values;

    /// <summary>Wraps row-major values of an H×H matrix (not copied; the caller gives up ownership).</summary>
    public GramMatrix(int size, double[] values)
    {
        Preconditions.CheckPositive(size);
        Preconditions.CheckArgument(values.Length == size * size, $"Expected {size * size} values, got {values.Length}.");
        Size = size;
        _values = values;
    }

    /// <summary>H, the number of KV units of the layer.</summary>
    public int Size { get; }

    /// <summary>Entry (i, j).</summary>
    public double this[int i, int j] => _values[i * Size + j];

    /// <summary>The row-major values (length H²).</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>Σ_h A_hh = Σ_h (‖K_h‖² + ‖V_h‖²): the energy WSE is reported relative to.</summary>
    public double Trace
    {
        get
        {
            var sum = 0.0;
            for (var i = 0; i < Size; i++) sum += _values[i * Size + i];
            return sum;
        }
    }
}
