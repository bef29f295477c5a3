using Qcqa.Core.Grouping;
using Qcqa.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// The aligned merge of one layer: the error any group of KV units would leave, and the merged projections of a
/// grouping. See <c>README.md</c> beside this file for the mathematics.
/// </summary>
/// <remarks>
/// Construction precomputes what the merge needs (one pass over the layer's weights): for the values, and for the key
/// dimensions RoPE leaves unrotated (partial rotary), a <see cref="LinearFit"/>; per rotary pair i (i, i + r/2) the
/// complex key Gram P_i = w^½ (K̂_i C̃ K̂_iᴴ) w^½, [U, U]. What group errors need beyond that — the Grams of every pair
/// of units, <see cref="GroupErrors"/> — is made on the first error asked for: a merge alone never forms it (at a 7B
/// layer's shape it is U(U+1)/2 products of d × (D+1) blocks, while a merge needs only its groups' own).
/// </remarks>
public sealed class LayerAlignment : IDisposable
{
    private readonly AttentionMatrices _layer;
    private readonly AlignmentMetric _metric;
    private readonly LinearFit _values;
    private readonly LinearFit? _keyPass;    // the d − r unrotated key dimensions; null when RoPE rotates whole heads
    private readonly Tensor _keyGramReal;    // Re P, [r/2, U, U]
    private readonly Tensor _keyGramImag;    // Im P, [r/2, U, U]
    private GroupErrors? _errors;
    private bool _ownsErrors;
    private readonly int _d;
    private readonly int _rotary;
    private readonly int _half;
    private readonly int _units;

    /// <summary>Precomputes what the merge of the layer needs.</summary>
    /// <param name="layer">The layer's projections (not owned).</param>
    /// <param name="metric">How errors are weighted (not owned).</param>
    public LayerAlignment(AttentionMatrices layer, AlignmentMetric metric) : this(layer, metric, null)
    {
    }

    /// <summary>Precomputes what the merge needs; group errors come from <paramref name="errors"/> when given (the same layer's, from an earlier alignment; not owned).</summary>
    internal LayerAlignment(AttentionMatrices layer, AlignmentMetric metric, GroupErrors? errors)
    {
        _layer = layer ?? throw new ArgumentNullException(nameof(layer));
        _metric = metric ?? throw new ArgumentNullException(nameof(metric));
        _d = layer.HeadDim;
        _rotary = layer.RotaryDimensions;
        _half = _rotary / 2;
        _units = layer.Units;
        var width = layer.HiddenSize + 1;
        using var scope = NewDisposeScope();
        _values = new LinearFit(layer.Value.view(_units, _d, width), metric.ValueWeight, metric.ValueWeightPlus, metric);
        if (_rotary < _d)
            _keyPass = new LinearFit(layer.Key.view(_units, _d, width).narrow(1, _rotary, _d - _rotary), metric.KeyPassWeight!, metric.KeyPassWeightPlus!, metric);
        if (errors is not null)
        {
            if (errors.Units != _units) throw new ArgumentException($"The errors describe {errors.Units} units; the layer has {_units}.", nameof(errors));
            if ((errors.KeyPass is null) != (_keyPass is null) || (_keyPass is not null && errors.KeyPass!.Rows != _d - _rotary))
                throw new ArgumentException("The errors describe other unrotated key dimensions than the layer's.", nameof(errors));
            _errors = errors;
        }

        // Always computed here, even when errors were given, so the merged keys do not depend on where the errors came from.
        var (re, im) = KeyParts(layer.Key.view(_units, _d, width).to_type(metric.ProductPrecision)); // [r/2, U, D+1] each
        var reC = metric.TimesMoment(re);
        var imC = metric.TimesMoment(im);
        var real = (reC.matmul(re.transpose(1, 2)) + imC.matmul(im.transpose(1, 2))).to_type(ScalarType.Float64);
        var imag = (imC.matmul(re.transpose(1, 2)) - reC.matmul(im.transpose(1, 2))).to_type(ScalarType.Float64);
        var root = metric.PairWeights.t().clamp_min(0).sqrt(); // [r/2, U]
        var outer = root.unsqueeze(2) * root.unsqueeze(1);
        _keyGramReal = (real * outer).DetachFromDisposeScope();
        _keyGramImag = (imag * outer).DetachFromDisposeScope();
    }

    /// <summary>U, the units a grouping partitions.</summary>
    public int Units => _units;

    /// <summary>What a group's error needs, made on first use (owned by this alignment unless it was given or given away).</summary>
    internal GroupErrors Errors
    {
        get
        {
            if (_errors is not null) return _errors;
            _errors = new GroupErrors(_values.Gram(), _keyPass?.Gram(), _keyGramReal.clone(), _keyGramImag.clone(), _units);
            _ownsErrors = true;
            return _errors;
        }
    }

    /// <summary>Whether this alignment made <see cref="Errors"/> and still owns them (they may then be taken).</summary>
    internal bool OwnsErrors => _ownsErrors;

    /// <summary>Passes the ownership of <see cref="Errors"/> to the caller (they stay in use here; the caller disposes them after this).</summary>
    internal GroupErrors TakeErrors()
    {
        var errors = Errors;
        _ownsErrors = false;
        return errors;
    }

    /// <summary>Error of a unit on its own: its weighted energy (keys and values), what a group's error is measured against.</summary>
    public double[] UnitEnergies() => Errors.UnitEnergies();

    /// <summary>The error the aligned merge of <paramref name="group"/> leaves (keys plus values).</summary>
    public double GroupError(IReadOnlyList<int> group) => Errors.GroupError(group);

    /// <summary>Σ over the grouping's groups of <see cref="GroupError"/>.</summary>
    public double GroupingError(LayerGrouping grouping) => Errors.GroupingError(grouping);

    /// <summary>
    /// The error of merging every pair of units, [U, U] row-major (0 on the diagonal), computed for all pairs at once:
    /// the value part (and that of unrotated key dimensions) from batched eigenproblems, the rotary key part from 2×2
    /// Hermitian eigenvalues in closed form.
    /// </summary>
    public double[] PairErrors() => Errors.PairErrors();

    /// <summary>Merges the layer by <paramref name="grouping"/>: new q/k/v/o projections that keep every shape but K/V's.</summary>
    /// <returns>The merged projections; single-unit groups keep their unit's rows and their query heads' weights exactly.</returns>
    public AlignedLayer Merge(LayerGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(grouping);
        if (grouping.HeadCount != _units) throw new ArgumentException($"The grouping partitions {grouping.HeadCount} units; the layer has {_units}.", nameof(grouping));
        using var scope = NewDisposeScope();
        var query = _layer.Query.clone();
        var output = _layer.Output.clone();
        var groups = grouping.Groups;
        // The groups' fits are independent: they run side by side, one per core, each single-threaded (a fit is dozens
        // of small products and eigenproblems, which libtorch's own threads barely speed up).
        var fits = new GroupFit?[groups.Count];
        try
        {
            SingleThreadedParts.For(groups.Count, g =>
            {
                if (groups[g].Count > 1) fits[g] = FitGroup(groups[g]);
            });
            var keys = new List<Tensor>();
            var values = new List<Tensor>();
            var width = _layer.HiddenSize + 1;
            for (var g = 0; g < groups.Count; g++)
            {
                var group = groups[g];
                if (fits[g] is not { } fit)
                {
                    keys.Add(_layer.Key.narrow(0, (long)group[0] * _d, _d));
                    values.Add(_layer.Value.narrow(0, (long)group[0] * _d, _d));
                    continue;
                }
                keys.Add(fit.Key);
                values.Add(fit.Value);
                Fold(query, output, group, fit);
            }
            var key = cat(keys.ToArray(), 0).view(-1, width);
            var value = cat(values.ToArray(), 0).view(-1, width);
            return new AlignedLayer(query.DetachFromDisposeScope(), key.contiguous().DetachFromDisposeScope(),
                value.contiguous().DetachFromDisposeScope(), output.DetachFromDisposeScope());
        }
        finally
        {
            foreach (var fit in fits) fit?.Dispose();
        }
    }

    // One group's shared key and value heads, and the per-unit factors and maps the query and output rows absorb.
    private sealed record GroupFit(Tensor Key, Tensor Value, Tensor Real, Tensor Imag, Tensor[] Maps, Tensor[]? PassMaps) : IDisposable
    {
        public void Dispose()
        {
            Key.Dispose();
            Value.Dispose();
            Real.Dispose();
            Imag.Dispose();
            foreach (var m in Maps) m.Dispose();
            foreach (var m in PassMaps ?? []) m.Dispose();
        }
    }

    // Runs in a dispose scope of its own (SingleThreadedParts): what the fit keeps is detached from it.
    private GroupFit FitGroup(IReadOnlyList<int> group)
    {
        var (sharedKey, coefficientsReal, coefficientsImag) = FitKeys(group);
        var (sharedValue, maps) = _values.Fit(group);
        (Tensor? sharedPass, Tensor[]? passMaps) = _keyPass is null ? (null, null) : _keyPass.Fit(group);
        var key = sharedPass is null ? sharedKey : cat(new[] { sharedKey, sharedPass }, 0);
        return new GroupFit(key.DetachFromDisposeScope(), sharedValue.DetachFromDisposeScope(),
            coefficientsReal.DetachFromDisposeScope(), coefficientsImag.DetachFromDisposeScope(),
            maps.Select(m => m.DetachFromDisposeScope()).ToArray(), passMaps?.Select(m => m.DetachFromDisposeScope()).ToArray());
    }

    // Folds a group's factors into the query rows and its maps into the output columns of every query head reading
    // one of its units. A scope per group: a 7B layer's fold makes about 100 MB of temporaries per group.
    private void Fold(Tensor query, Tensor output, IReadOnlyList<int> group, GroupFit fit)
    {
        using var scope = NewDisposeScope();
        for (var m = 0; m < group.Count; m++)
        {
            foreach (var h in _layer.QueriesOfUnit[group[m]])
            {
                // q̂' = q̂ · conj(c): rows (i, i+r/2) of head h become (α q_i + β q_{i+r/2}, α q_{i+r/2} − β q_i).
                var rows = query.narrow(0, (long)h * _d, _d);
                var qr = rows.narrow(0, 0, _half).clone();
                var qi = rows.narrow(0, _half, _half).clone();
                var alpha = fit.Real.select(1, m).unsqueeze(1);
                var beta = fit.Imag.select(1, m).unsqueeze(1);
                rows.narrow(0, 0, _half).copy_(alpha * qr + beta * qi);
                rows.narrow(0, _half, _half).copy_(alpha * qi - beta * qr);
                // Unrotated dimensions: k_p ≈ N_u b_p, so q_pᵀ k_p = (N_uᵀ q_p)ᵀ b_p.
                if (fit.PassMaps is { } passMaps)
                {
                    var pass = rows.narrow(0, _rotary, _d - _rotary);
                    pass.copy_(passMaps[m].t().matmul(pass.clone()));
                }
                var columns = output.narrow(1, (long)h * _d, _d);
                columns.copy_(columns.matmul(fit.Maps[m]));
            }
        }
    }

    // Per rotary pair i, the best rank-1 complex fit K̂_u ≈ c_u b̂ (weighted by w and C̃): b̂ from the top eigenvector e
    // of P_i restricted to the group, c_u the C̃-projection of K̂_u on b̂; then the gauge making b̂ closest to the
    // group's mean key.
    private (Tensor Shared, Tensor Real, Tensor Imag) FitKeys(IReadOnlyList<int> group)
    {
        var n = group.Count;
        var (real, imag) = GroupErrors.GroupKeyGrams(_keyGramReal, _keyGramImag, group);
        var (_, eigenvectors) = linalg.eigh(GroupErrors.Embed(real, imag));
        var top = eigenvectors.select(2, 2 * n - 1); // [r/2, 2n]
        var x = top.narrow(1, 0, n);
        var y = top.narrow(1, n, n);
        var members = tensor(group.Select(u => (long)u).ToArray(), ScalarType.Int64, real.device);
        var width = _layer.HiddenSize + 1;
        var (re, im) = KeyParts(_layer.Key.view(_units, _d, width).index_select(0, members)); // [r/2, n, D+1]
        var root = _metric.PairWeights.index_select(0, members).t().clamp_min(0).sqrt(); // [r/2, n]
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
        var cr = ((re * brC.unsqueeze(1)).sum(2) + (im * biC.unsqueeze(1)).sum(2)) / safe; // [r/2, n]
        var ci = ((im * brC.unsqueeze(1)).sum(2) - (re * biC.unsqueeze(1)).sum(2)) / safe;
        cr = where(empty.unsqueeze(1), ones_like(cr), cr);
        ci = where(empty.unsqueeze(1), zeros_like(ci), ci);
        // Balance each pair's scale as for the values: mean |c_u|² = 1, so the shared key keeps the heads' scale and the
        // query rows the coefficients fold into are not inflated (identical heads: c = 1, unchanged).
        var scale = (cr.square() + ci.square()).mean(new long[] { 1 }).sqrt(); // [r/2]
        scale = where(scale > 1e-150, scale, ones_like(scale));
        cr = cr / scale.unsqueeze(1);
        ci = ci / scale.unsqueeze(1);
        br = br * scale.unsqueeze(1);
        bi = bi * scale.unsqueeze(1);

        var shared = cat(new[] { br, bi }, 0); // [r, D+1]: rows i, then rows i + r/2
        return (shared, cr, ci);
    }

    private static (Tensor Norm, Tensor ReC, Tensor ImC) Norm(Tensor re, Tensor im, AlignmentMetric metric)
    {
        var reC = metric.TimesMoment(re);
        var imC = metric.TimesMoment(im);
        return ((reC * re).sum(1) + (imC * im).sum(1), reC, imC);
    }

    // Rows i < r/2 are the real parts of the rotary pairs, rows i + r/2 the imaginary parts: [r/2, U, D+1] each.
    private (Tensor Real, Tensor Imag) KeyParts(Tensor perUnit) =>
        (perUnit.narrow(1, 0, _half).permute(1, 0, 2), perUnit.narrow(1, _half, _half).permute(1, 0, 2));

    /// <summary>Releases the precomputed tensors (the Grams of <see cref="Errors"/> only when this alignment made them and kept them).</summary>
    public void Dispose()
    {
        _values.Dispose();
        _keyPass?.Dispose();
        _keyGramReal.Dispose();
        _keyGramImag.Dispose();
        if (_ownsErrors) _errors?.Dispose();
    }
}
