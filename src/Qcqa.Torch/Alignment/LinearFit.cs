using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// The weighted fit of a group's m-row blocks as one shared block read through a general m×m map per unit, X_u ≈ M_u B:
/// what the aligned merge does with the value rows (m = d, folded into <c>o_proj</c>) and with the key rows RoPE leaves
/// unrotated (m = d − r, folded into the query rows of the same dimensions). See the Alignment README.
/// </summary>
/// <remarks>
/// The error of unit u is ‖W_u (X_u − M_u B) C̃^½‖²_F. The Gram T = Z C̃ Zᵀ of the weighted rows Z_u = W_u X_u,
/// [U·m, U·m], is a <see cref="BlockGram"/> (made by <see cref="Gram"/>, held by <see cref="GroupErrors"/>), so a group's
/// error is tr T_S minus its m largest eigenvalues.
/// </remarks>
internal sealed class LinearFit : IDisposable
{
    private readonly Tensor _rows;       // X, [U, m, D+1] (the layer's own rows, not a copy)
    private readonly Tensor _weightPlus; // W⁺, [U, m, m]
    private readonly AlignmentMetric _metric; // C̃ (not owned)
    private readonly Tensor _weighted;   // Z, [U, m, D+1]
    private readonly int _m;
    private readonly int _units;

    /// <summary>Weighs the rows.</summary>
    /// <param name="rows">X, [U, m, D+1] (not copied: the layer's tensor must outlive this object).</param>
    /// <param name="weight">W, [U, m, m].</param>
    /// <param name="weightPlus">W's pseudo-inverse, [U, m, m] (copied).</param>
    /// <param name="metric">Gives C̃; must outlive this object.</param>
    internal LinearFit(Tensor rows, Tensor weight, Tensor weightPlus, AlignmentMetric metric)
    {
        _units = (int)rows.shape[0];
        _m = (int)rows.shape[1];
        _metric = metric;
        using var scope = NewDisposeScope();
        _weighted = weight.matmul(rows).DetachFromDisposeScope();
        _rows = rows.contiguous().DetachFromDisposeScope();
        _weightPlus = weightPlus.clone().DetachFromDisposeScope();
    }

    /// <summary>The Gram T of the weighted rows (its upper half; see <see cref="BlockGram.Create"/>).</summary>
    internal BlockGram Gram()
    {
        using var scope = NewDisposeScope();
        var flat = _weighted.reshape(_units * _m, _weighted.shape[2]).to_type(_metric.ProductPrecision);
        return BlockGram.Create(flat, _metric.TimesMoment(flat), _units, _m);
    }

    /// <summary>
    /// The best fit of <paramref name="group"/>: B = Uᵀ Z_S with U the top-m eigenvectors of T_S and M_u = W_u⁺ U_u; then
    /// the gauge that makes B closest to the group's mean block (so identical blocks give exactly their mean and M = I),
    /// kept only when well conditioned, and the balance that leaves the maps orthonormal on average.
    /// </summary>
    /// <returns>B [m, D+1] and one M_u [m, m] per member, in the group's order.</returns>
    /// <param name="group">The group's units.</param>
    internal (Tensor Shared, Tensor[] Maps) Fit(IReadOnlyList<int> group)
    {
        var n = group.Count * _m;
        var members = tensor(group.Select(u => (long)u).ToArray(), ScalarType.Int64, _weighted.device);
        var z = _weighted.index_select(0, members).reshape(n, -1);
        // The group's own Gram T_S = Z_S C̃ Z_Sᵀ, one product of its n·m rows (not the whole layer's T), solved in float64.
        var product = z.to_type(_metric.ProductPrecision);
        var groupGram = product.matmul(_metric.TimesMoment(product).t()).to_type(ScalarType.Float64);
        groupGram = (groupGram + groupGram.t()) * 0.5;
        var (_, eigenvectors) = linalg.eigh(groupGram);
        var basis = eigenvectors.narrow(1, n - _m, _m); // [n·m, m]
        var shared = basis.t().matmul(z);
        var maps = group.Select((u, k) => _weightPlus[u].matmul(basis.narrow(0, (long)k * _m, _m))).ToArray();

        var mean = _rows.index_select(0, members).mean(new long[] { 0 });
        var gauge = _metric.TimesMoment(mean).matmul(shared.t()).matmul(linalg.pinv(_metric.TimesMoment(shared).matmul(shared.t())));
        var condition = linalg.cond(gauge).item<double>();
        if (double.IsFinite(condition) && condition < 1e8)
        {
            var inverse = linalg.inv(gauge);
            shared = gauge.matmul(shared);
            maps = maps.Select(m => m.matmul(inverse)).ToArray();
        }
        return Balance(shared, maps);
    }

    // The gauge that leaves the maps orthonormal on average (Σ_u M_uᵀ M_u = n·I): M_u ← M_u G⁻¹, B ← G B with
    // G = (Σ_u M_uᵀ M_u / n)^½. The function is the same, but no direction of the shared block is shrunk while the
    // weights it is folded into grow to compensate, so the weights keep the original's scale: they round well to the
    // checkpoint's dtype and fine-tune stably. Maps that already are orthonormal on average (M = I) are unchanged.
    private static (Tensor Shared, Tensor[] Maps) Balance(Tensor shared, Tensor[] maps)
    {
        var second = maps.Select(m => m.t().matmul(m)).Aggregate((a, b) => a + b) / maps.Length;
        var (eigenvalues, eigenvectors) = linalg.eigh((second + second.t()) * 0.5);
        var largest = eigenvalues.max().item<double>();
        if (!(largest > 0) || !double.IsFinite(largest)) return (shared, maps);
        var floor = eigenvalues.clamp_min(largest * 1e-12);
        var root = (eigenvectors * floor.sqrt().unsqueeze(0)).matmul(eigenvectors.t());
        var inverseRoot = (eigenvectors * floor.rsqrt().unsqueeze(0)).matmul(eigenvectors.t());
        return (root.matmul(shared), maps.Select(m => m.matmul(inverseRoot)).ToArray());
    }

    /// <summary>Releases the precomputed tensors.</summary>
    public void Dispose()
    {
        _rows.Dispose();
        _weightPlus.Dispose();
        _weighted.Dispose();
    }
}
