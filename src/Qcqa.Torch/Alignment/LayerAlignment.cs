using Qcqa.Core.Grouping;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// The aligned merge of one layer: the error any group of KV units would leave, and the merged projections of a
/// grouping. See <c>README.md</c> beside this file for the mathematics.
/// </summary>
/// <remarks>
/// Construction precomputes everything a group needs (one pass over the layer's weights): the value Gram
/// T = Z C̃ Zᵀ over the weighted value rows Z_u = R_u Ṽ_u, [U·d, U·d] (its upper half), and per rotary pair i the
/// complex key Gram P_i = w^½ (K̂_i C̃ K̂_iᴴ) w^½, [U, U], held by <see cref="GroupErrors"/>. A group's error then costs
/// one small eigenproblem per part.
/// </remarks>
public sealed class LayerAlignment : IDisposable
{
    private readonly AttentionMatrices _layer;
    private readonly AlignmentMetric _metric;
    private readonly Tensor _weightedValues; // Z, [U, d, D+1]
    private readonly GroupErrors _errors;
    private bool _ownsErrors;
    private readonly int _d;
    private readonly int _half;
    private readonly int _units;

    /// <summary>Precomputes the layer's Grams.</summary>
    /// <param name="layer">The layer's projections (not owned).</param>
    /// <param name="metric">How errors are weighted (not owned).</param>
    public LayerAlignment(AttentionMatrices layer, AlignmentMetric metric) : this(layer, metric, null)
    {
    }

    /// <summary>Precomputes what <paramref name="errors"/> (when given: the same layer's, from an earlier alignment; not owned) does not hold.</summary>
    internal LayerAlignment(AttentionMatrices layer, AlignmentMetric metric, GroupErrors? errors)
    {
        _layer = layer ?? throw new ArgumentNullException(nameof(layer));
        _metric = metric ?? throw new ArgumentNullException(nameof(metric));
        _d = layer.HeadDim;
        _half = _d / 2;
        _units = layer.Units;
        var width = layer.HiddenSize + 1;
        using var scope = NewDisposeScope();
        var values = layer.Value.view(_units, _d, width);
        var z = metric.ValueWeight.matmul(values);
        _weightedValues = z.DetachFromDisposeScope();
        if (errors is not null)
        {
            if (errors.Units != _units) throw new ArgumentException($"The errors describe {errors.Units} units; the layer has {_units}.", nameof(errors));
            _errors = errors;
            return;
        }

        var (re, im) = KeyParts(layer.Key.view(_units, _d, width)); // [d/2, U, D+1] each
        var reC = metric.TimesMoment(re);
        var imC = metric.TimesMoment(im);
        var real = reC.matmul(re.transpose(1, 2)) + imC.matmul(im.transpose(1, 2));
        var imag = imC.matmul(re.transpose(1, 2)) - reC.matmul(im.transpose(1, 2));
        var root = metric.PairWeights.t().clamp_min(0).sqrt(); // [d/2, U]
        var outer = root.unsqueeze(2) * root.unsqueeze(1);
        var flat = z.reshape(_units * _d, width);
        _errors = GroupErrors.Create(flat, metric.TimesMoment(flat), (real * outer).DetachFromDisposeScope(), (imag * outer).DetachFromDisposeScope(), _units, _d);
        _ownsErrors = true;
    }

    /// <summary>U, the units a grouping partitions.</summary>
    public int Units => _units;

    /// <summary>What a group's error needs (owned by this alignment unless it was given one or gave it away).</summary>
    internal GroupErrors Errors => _errors;

    /// <summary>Passes the ownership of <see cref="Errors"/> to the caller (they stay in use here; the caller disposes them after this).</summary>
    internal GroupErrors TakeErrors()
    {
        _ownsErrors = false;
        return _errors;
    }

    /// <summary>Error of a unit on its own: its weighted energy (keys and values), what a group's error is measured against.</summary>
    public double[] UnitEnergies() => _errors.UnitEnergies();

    /// <summary>The error the aligned merge of <paramref name="group"/> leaves (keys plus values).</summary>
    public double GroupError(IReadOnlyList<int> group) => _errors.GroupError(group);

    /// <summary>Σ over the grouping's groups of <see cref="GroupError"/>.</summary>
    public double GroupingError(LayerGrouping grouping) => _errors.GroupingError(grouping);

    /// <summary>
    /// The error of merging every pair of units, [U, U] row-major (0 on the diagonal), computed for all pairs at once:
    /// the value part from batched 2d×2d eigenproblems, the key part from 2×2 Hermitian eigenvalues in closed form.
    /// </summary>
    public double[] PairErrors() => _errors.PairErrors();

    /// <summary>Merges the layer by <paramref name="grouping"/>: new q/k/v/o projections that keep every shape but K/V's.</summary>
    /// <returns>The merged projections; single-unit groups keep their unit's rows and their query heads' weights exactly.</returns>
    public AlignedLayer Merge(LayerGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(grouping);
        if (grouping.HeadCount != _units) throw new ArgumentException($"The grouping partitions {grouping.HeadCount} units; the layer has {_units}.", nameof(grouping));
        using var scope = NewDisposeScope();
        var query = _layer.Query.clone();
        var output = _layer.Output.clone();
        var keys = new List<Tensor>();
        var values = new List<Tensor>();
        var width = _layer.HiddenSize + 1;
        foreach (var group in grouping.Groups)
        {
            if (group.Count == 1)
            {
                keys.Add(_layer.Key.narrow(0, (long)group[0] * _d, _d));
                values.Add(_layer.Value.narrow(0, (long)group[0] * _d, _d));
                continue;
            }
            var (sharedKey, coefficientsReal, coefficientsImag) = FitKeys(group);
            var (sharedValue, maps) = FitValues(group);
            keys.Add(sharedKey);
            values.Add(sharedValue);
            for (var m = 0; m < group.Count; m++)
            {
                foreach (var h in _layer.QueriesOfUnit[group[m]])
                {
                    // q̂' = q̂ · conj(c): rows (i, i+d/2) of head h become (α q_i + β q_{i+d/2}, α q_{i+d/2} − β q_i).
                    var rows = query.narrow(0, (long)h * _d, _d);
                    var qr = rows.narrow(0, 0, _half).clone();
                    var qi = rows.narrow(0, _half, _half).clone();
                    var alpha = coefficientsReal[m].unsqueeze(1);
                    var beta = coefficientsImag[m].unsqueeze(1);
                    rows.narrow(0, 0, _half).copy_(alpha * qr + beta * qi);
                    rows.narrow(0, _half, _half).copy_(alpha * qi - beta * qr);
                    var columns = output.narrow(1, (long)h * _d, _d);
                    columns.copy_(columns.matmul(maps[m]));
                }
            }
        }
        var key = cat(keys.ToArray(), 0).view(-1, width);
        var value = cat(values.ToArray(), 0).view(-1, width);
        return new AlignedLayer(query.DetachFromDisposeScope(), key.contiguous().DetachFromDisposeScope(),
            value.contiguous().DetachFromDisposeScope(), output.DetachFromDisposeScope());
    }

    // The best rank-d fit of the stacked weighted rows: B = Uᵀ Z_S with U the top-d eigenvectors of T_S, and per unit
    // M_u = R_u⁺ U_u; then the gauge that makes B closest to the group's mean value head (so identical heads give
    // exactly their mean and M = I), kept only when it is well conditioned.
    private (Tensor Shared, Tensor[] Maps) FitValues(IReadOnlyList<int> group)
    {
        var gram = _errors.GroupValueGram(group);
        var (_, eigenvectors) = linalg.eigh(gram);
        var n = group.Count * _d;
        var basis = eigenvectors.narrow(1, n - _d, _d); // [n·d, d]
        var members = tensor(group.Select(u => (long)u).ToArray(), ScalarType.Int64, gram.device);
        var z = _weightedValues.index_select(0, members).reshape(n, -1);
        var shared = basis.t().matmul(z);
        var maps = group.Select((u, m) => _metric.ValueWeightPlus[u].matmul(basis.narrow(0, (long)m * _d, _d))).ToArray();

        var mean = _layer.Value.view(_units, _d, -1).index_select(0, members).mean(new long[] { 0 });
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
    // G = (Σ_u M_uᵀ M_u / n)^½. The function is the same, but no direction of the shared head is shrunk while its readers'
    // o_proj columns grow to compensate, so the weights keep the original's scale: they round well to the checkpoint's
    // dtype and fine-tune stably. Maps that already are orthonormal on average (identical heads: M = I) are unchanged.
    private (Tensor Shared, Tensor[] Maps) Balance(Tensor shared, Tensor[] maps)
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

    // Per rotary pair i, the best rank-1 complex fit K̂_u ≈ c_u b̂ (weighted by w and C̃): b̂ from the top eigenvector e
    // of P_i restricted to the group, c_u the C̃-projection of K̂_u on b̂; then the gauge making b̂ closest to the
    // group's mean key.
    private (Tensor Shared, Tensor[] Real, Tensor[] Imag) FitKeys(IReadOnlyList<int> group)
    {
        var n = group.Count;
        var (real, imag) = _errors.GroupKeyGrams(group);
        var (_, eigenvectors) = linalg.eigh(GroupErrors.Embed(real, imag));
        var top = eigenvectors.select(2, 2 * n - 1); // [d/2, 2n]
        var x = top.narrow(1, 0, n);
        var y = top.narrow(1, n, n);
        var members = tensor(group.Select(u => (long)u).ToArray(), ScalarType.Int64, real.device);
        var width = _layer.HiddenSize + 1;
        var (re, im) = KeyParts(_layer.Key.view(_units, _d, width).index_select(0, members)); // [d/2, n, D+1]
        var root = _metric.PairWeights.index_select(0, members).t().clamp_min(0).sqrt(); // [d/2, n]
        var sx = (root * x).unsqueeze(2);
        var sy = (root * y).unsqueeze(2);
        var br = (sx * re + sy * im).sum(1);
        var bi = (sx * im - sy * re).sum(1);

        var (norm, brC, biC) = Norm(br, bi, _metric);
        var meanRe = re.mean(new long[] { 1 });
        var meanIm = im.mean(new long[] { 1 });
        var safe = norm.clamp_min(1e-300);
        var gr = ((meanRe * brC).sum(1) + (meanIm * biC).sum(1)) / safe;
        var gi = ((meanIm * brC).sum(1) - (meanRe * biC).sum(1)) / safe;
        // A pair whose keys are all zero has nothing to fit: keep the (zero) mean and unit coefficients.
        var empty = norm <= 0;
        var scaledRe = gr.unsqueeze(1) * br - gi.unsqueeze(1) * bi;
        var scaledIm = gr.unsqueeze(1) * bi + gi.unsqueeze(1) * br;
        var useGauge = (gr.square() + gi.square()).sqrt() > 1e-12;
        br = where(useGauge.unsqueeze(1), scaledRe, br);
        bi = where(useGauge.unsqueeze(1), scaledIm, bi);
        br = where(empty.unsqueeze(1), meanRe, br);
        bi = where(empty.unsqueeze(1), meanIm, bi);
        (norm, brC, biC) = Norm(br, bi, _metric);
        safe = norm.clamp_min(1e-300).unsqueeze(1);
        var cr = ((re * brC.unsqueeze(1)).sum(2) + (im * biC.unsqueeze(1)).sum(2)) / safe; // [d/2, n]
        var ci = ((im * brC.unsqueeze(1)).sum(2) - (re * biC.unsqueeze(1)).sum(2)) / safe;
        cr = where(empty.unsqueeze(1), ones_like(cr), cr);
        ci = where(empty.unsqueeze(1), zeros_like(ci), ci);
        // Balance each pair's scale as for the values: mean |c_u|² = 1, so the shared key keeps the heads' scale and the
        // query rows the coefficients fold into are not inflated (identical heads: c = 1, unchanged).
        var scale = (cr.square() + ci.square()).mean(new long[] { 1 }).sqrt(); // [d/2]
        scale = where(scale > 1e-150, scale, ones_like(scale));
        cr = cr / scale.unsqueeze(1);
        ci = ci / scale.unsqueeze(1);
        br = br * scale.unsqueeze(1);
        bi = bi * scale.unsqueeze(1);

        var shared = cat(new[] { br, bi }, 0); // [d, D+1]: rows i, then rows i + d/2
        return (shared, Enumerable.Range(0, n).Select(m => cr.select(1, m)).ToArray(), Enumerable.Range(0, n).Select(m => ci.select(1, m)).ToArray());
    }

    private static (Tensor Norm, Tensor ReC, Tensor ImC) Norm(Tensor re, Tensor im, AlignmentMetric metric)
    {
        var reC = metric.TimesMoment(re);
        var imC = metric.TimesMoment(im);
        return ((reC * re).sum(1) + (imC * im).sum(1), reC, imC);
    }

    // Rows i < d/2 are the real parts of the rotary pairs, rows i + d/2 the imaginary parts: [d/2, U, D+1] each.
    private (Tensor Real, Tensor Imag) KeyParts(Tensor perUnit) =>
        (perUnit.narrow(1, 0, _half).permute(1, 0, 2), perUnit.narrow(1, _half, _half).permute(1, 0, 2));

    /// <summary>Releases the precomputed Grams (those of <see cref="Errors"/> only when this alignment made them).</summary>
    public void Dispose()
    {
        _weightedValues.Dispose();
        if (_ownsErrors) _errors.Dispose();
    }
}
