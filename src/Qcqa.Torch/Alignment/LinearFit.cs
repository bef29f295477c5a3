using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// The weighted fit of a group's m-row blocks as one shared block read through a general m×m map per unit, X_u ≈ M_u B:
/// what the aligned merge does with the value rows (m = d, folded into <c>o_proj</c>) and with the key rows RoPE leaves
/// unrotated (m = d − r, folded into the query rows of the same dimensions). See the Alignment README.
/// </summary>
/// <remarks>
/// The error of unit u is ‖W_u (X_u − M_u B) C̃^½‖²_F. Construction precomputes the Gram T = Z C̃ Zᵀ of the weighted rows
/// Z_u = W_u X_u, [U·m, U·m], so a group's error is tr T_S minus its m largest eigenvalues.
/// </remarks>
internal sealed class LinearFit : IDisposable
{
    private readonly Tensor _rows;       // X, [U, m, D+1]
    private readonly Tensor _weightPlus; // W⁺, [U, m, m]
    private readonly Tensor _moment;     // C̃, [D+1, D+1] (not owned)
    private readonly Tensor _weighted;   // Z, [U, m, D+1]
    private readonly Tensor _gram;       // T, [U·m, U·m]
    private readonly int _m;
    private readonly int _units;

    /// <summary>Precomputes the Gram of the weighted rows.</summary>
    /// <param name="rows">X, [U, m, D+1] (copied).</param>
    /// <param name="weight">W, [U, m, m].</param>
    /// <param name="weightPlus">W's pseudo-inverse, [U, m, m] (copied).</param>
    /// <param name="moment">C̃, [D+1, D+1]; must outlive this object.</param>
    internal LinearFit(Tensor rows, Tensor weight, Tensor weightPlus, Tensor moment)
    {
        _units = (int)rows.shape[0];
        _m = (int)rows.shape[1];
        _moment = moment;
        using var scope = NewDisposeScope();
        var z = weight.matmul(rows);
        var flat = z.reshape(_units * _m, rows.shape[2]);
        var gram = flat.matmul(moment).matmul(flat.t());
        _gram = ((gram + gram.t()) * 0.5).DetachFromDisposeScope();
        _weighted = z.DetachFromDisposeScope();
        _rows = rows.contiguous().clone().DetachFromDisposeScope();
        _weightPlus = weightPlus.clone().DetachFromDisposeScope();
    }

    /// <summary>Each unit's weighted energy, [U]: its error on its own.</summary>
    internal Tensor UnitEnergies() => _gram.diagonal().view(_units, _m).sum(1);

    /// <summary>The error of fitting <paramref name="group"/>'s blocks by one shared block.</summary>
    internal double Error(IReadOnlyList<int> group)
    {
        var gram = GroupGram(group);
        var eigenvalues = linalg.eigvalsh(gram);
        var n = group.Count * _m;
        return gram.trace().item<double>() - eigenvalues.narrow(0, n - _m, _m).sum().item<double>();
    }

    /// <summary>The error of every pair (first[p], second[p]) at once: the m smallest eigenvalues of each 2m×2m Gram, [pairs].</summary>
    internal Tensor PairErrors(Tensor first, Tensor second)
    {
        var blocks = _gram.view(_units, _m, _units, _m).permute(0, 2, 1, 3).reshape(_units * _units, _m, _m); // block (i, j) at i·U + j
        Tensor Block(Tensor rows, Tensor columns) => blocks.index_select(0, rows * _units + columns);
        var top = cat(new[] { Block(first, first), Block(first, second) }, 2);
        var bottom = cat(new[] { Block(second, first), Block(second, second) }, 2);
        var pairGram = cat(new[] { top, bottom }, 1);
        var eigenvalues = linalg.eigvalsh((pairGram + pairGram.transpose(1, 2)) * 0.5);
        return eigenvalues.narrow(1, 0, _m).sum(1).clamp_min(0);
    }

    /// <summary>
    /// The best fit of <paramref name="group"/>: B = Uᵀ Z_S with U the top-m eigenvectors of T_S and M_u = W_u⁺ U_u; then
    /// the gauge that makes B closest to the group's mean block (so identical blocks give exactly their mean and M = I),
    /// kept only when well conditioned, and the balance that leaves the maps orthonormal on average.
    /// </summary>
    /// <returns>B [m, D+1] and one M_u [m, m] per member, in the group's order.</returns>
    internal (Tensor Shared, Tensor[] Maps) Fit(IReadOnlyList<int> group)
    {
        var gram = GroupGram(group);
        var (_, eigenvectors) = linalg.eigh(gram);
        var n = group.Count * _m;
        var basis = eigenvectors.narrow(1, n - _m, _m); // [n·m, m]
        var members = tensor(group.Select(u => (long)u).ToArray(), ScalarType.Int64, gram.device);
        var z = _weighted.index_select(0, members).reshape(n, -1);
        var shared = basis.t().matmul(z);
        var maps = group.Select((u, k) => _weightPlus[u].matmul(basis.narrow(0, (long)k * _m, _m))).ToArray();

        var mean = _rows.index_select(0, members).mean(new long[] { 0 });
        var gauge = mean.matmul(_moment).matmul(shared.t()).matmul(linalg.pinv(shared.matmul(_moment).matmul(shared.t())));
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

    private Tensor GroupGram(IReadOnlyList<int> group)
    {
        var rows = tensor(group.SelectMany(u => Enumerable.Range(u * _m, _m)).Select(i => (long)i).ToArray(), ScalarType.Int64, _gram.device);
        return _gram.index_select(0, rows).index_select(1, rows);
    }

    /// <summary>Releases the precomputed tensors.</summary>
    public void Dispose()
    {
        _rows.Dispose();
        _weightPlus.Dispose();
        _weighted.Dispose();
        _gram.Dispose();
    }
}
