using Qcqa.Core.Calibration;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// How one layer's merge error is measured: what the aligned merge minimises and what its fitness reports, in one
/// unit — squared error of the attention output, per token.
/// </summary>
/// <remarks>
/// <para>Values: unit u's error ‖R_u (V_u − M_u B) C̃^½‖², where R_uᵀR_u = Σ_{h reads u} O_hᵀO_h weighs each value
/// direction by what o_proj makes of it and C̃ = E[x̃x̃ᵀ] weighs inputs by how the data uses them.</para>
/// <para>Keys: a key error Δk moves head h's logit for pair i by Re(conj(q̂_i) Δk̂_i e^{jφ}) / √d. Averaged over the
/// rotation phase and independent query/key tokens, its square is ½ E|q̂_i|² E|Δk̂_i x|² / d, and a softmax whose
/// logits move by σ moves the output by about σ² κ_h (κ_h: the head's attended output spread, from calibration).
/// So pair i of unit u is weighted by w_{u,i} = Σ_{h reads u} κ_h E|q̂_{h,i}|² / (2d).</para>
/// <para>Key dimensions RoPE leaves unrotated (partial rotary: d − r of them) move the logit by q_pᵀ Δk_p / √d with no
/// rotation to average over, so unit u's error there is ‖R^K_u ΔK_p C̃^½‖² with (R^K_u)² = Σ_{h reads u} κ_h E[q_p q_pᵀ] / d,
/// E[q_p q_pᵀ] = Q_{h,p} C̃ Q_{h,p}ᵀ: the same form as the values' error.</para>
/// <para>Without calibration C̃ = I and κ_h = ‖O_h Ṽ_u‖²_F (the output energy of white input).</para>
/// </remarks>
public sealed class AlignmentMetric : IDisposable
{
    private readonly Tensor? _momentSingle; // C̃ in float32, for the products of a large layer (ProductPrecision)

    private AlignmentMetric(ScalarType productPrecision, Tensor? moment, Tensor? momentSingle, Tensor pairWeights, Tensor root, Tensor rootPlus, Tensor? keyRoot, Tensor? keyRootPlus)
    {
        ProductPrecision = productPrecision;
        Moment = moment;
        _momentSingle = momentSingle;
        PairWeights = pairWeights;
        ValueWeight = root;
        ValueWeightPlus = rootPlus;
        KeyPassWeight = keyRoot;
        KeyPassWeightPlus = keyRootPlus;
    }

    /// <summary>C̃, [D+1, D+1]; null when it is the identity (no calibration: at a 7B layer's width an identity of 134 MB).</summary>
    public Tensor? Moment { get; }

    /// <summary>Whether C̃ is the identity (no calibration): <see cref="TimesMoment"/> then skips the product.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Moment))]
    public bool IsIdentity => Moment is null;

    /// <summary>
    /// The precision of the layer's large products with C̃ (its queries' energies, the key and value Grams, a merged
    /// group's Gram): float32 for a layer of more than <see cref="BlockGram.Float64Rows"/> key/value rows, whose products
    /// (three of D+1 × D+1 with every row per layer at 7B) would take twice as long in float64 for a precision far
    /// finer than the checkpoint's dtype keeps; float64 otherwise.
    /// </summary>
    public ScalarType ProductPrecision { get; }

    /// <summary>w_{u,i} of the rotary pairs (i, i + r/2), [U, r/2] (r = d unless RoPE is partial).</summary>
    public Tensor PairWeights { get; }

    /// <summary>R_u = (Σ_{h reads u} O_hᵀO_h)^½, [U, d, d].</summary>
    public Tensor ValueWeight { get; }

    /// <summary>The pseudo-inverse of <see cref="ValueWeight"/>, [U, d, d] (directions o_proj ignores are left alone).</summary>
    public Tensor ValueWeightPlus { get; }

    /// <summary>R^K_u for the unrotated key dimensions, [U, d−r, d−r]; null when RoPE rotates whole heads.</summary>
    public Tensor? KeyPassWeight { get; }

    /// <summary>The pseudo-inverse of <see cref="KeyPassWeight"/>, or null.</summary>
    public Tensor? KeyPassWeightPlus { get; }

    /// <summary>Builds the metric of <paramref name="layer"/>.</summary>
    /// <param name="layer">The layer's projections.</param>
    /// <param name="calibration">The layer's calibration statistics, or null to measure on weights alone.</param>
    /// <exception cref="ArgumentException">The calibration does not fit the layer.</exception>
    public static AlignmentMetric Create(AttentionMatrices layer, LayerCalibration? calibration)
    {
        ArgumentNullException.ThrowIfNull(layer);
        int d = layer.HeadDim, r = layer.RotaryDimensions, half = r / 2, pass = d - r, heads = layer.QueryHeads, units = layer.Units, hidden = layer.HiddenSize;
        var device = layer.Query.device;
        if (calibration is not null && (calibration.HiddenSize != hidden || calibration.QueryHeads != heads))
            throw new ArgumentException($"The calibration describes {calibration.HiddenSize} inputs and {calibration.QueryHeads} heads; the layer has {hidden} and {heads}.", nameof(calibration));

        using var scope = NewDisposeScope();
        Tensor? moment = null;
        if (calibration is not null)
        {
            moment = tensor(calibration.InputMoment.ToArray(), ScalarType.Float64, device).reshape(hidden + 1, hidden + 1);
            moment = (moment + moment.t()) * 0.5;
        }
        var precision = BlockGram.Precision(units, d);
        var momentInPrecision = moment?.to_type(precision);
        // x C̃ in the layer's product precision (x itself without calibration); callers take the small results back to float64.
        Tensor Times(Tensor x) => momentInPrecision is null ? x.to_type(precision) : x.to_type(precision).matmul(momentInPrecision);

        // O per query head: [H, D, d].
        var outputs = layer.Output.view(hidden, heads, d).permute(1, 0, 2);
        var values = layer.Value.view(units, d, hidden + 1);
        var perHeadGram = outputs.transpose(1, 2).matmul(outputs); // O_hᵀO_h, [H, d, d]
        Tensor spread;
        if (calibration is not null)
        {
            spread = tensor(calibration.HeadOutputSpread.ToArray(), ScalarType.Float64, device);
        }
        else
        {
            // ‖O_h Ṽ_u‖²_F = ⟨O_hᵀO_h, Ṽ_u Ṽ_uᵀ⟩, without forming the D×D product.
            var unitOf = tensor(layer.QueryToUnit.Select(u => (long)u).ToArray(), ScalarType.Int64, device);
            var valueGram = values.matmul(values.transpose(1, 2)).index_select(0, unitOf);
            spread = (perHeadGram * valueGram).sum(new long[] { 1, 2 });
        }

        // E|q̂_{h,i}|² = Q_{h,i} C̃ Q_{h,i}ᵀ + Q_{h,i+r/2} C̃ Q_{h,i+r/2}ᵀ over the rotary pairs of the first r dimensions.
        var queryEnergy = (Times(layer.Query) * layer.Query.to_type(precision)).sum(1).to_type(ScalarType.Float64).view(heads, d);
        var pairEnergy = queryEnergy.narrow(1, 0, half) + queryEnergy.narrow(1, half, half);
        var perQuery = pairEnergy * spread.unsqueeze(1) / (2.0 * d);
        var pairWeights = zeros(units, half, ScalarType.Float64, device);
        var gram = zeros(units, d, d, ScalarType.Float64, device);
        var keyGram = pass > 0 ? zeros(units, pass, pass, ScalarType.Float64, device) : null;
        for (var u = 0; u < units; u++)
        {
            foreach (var h in layer.QueriesOfUnit[u])
            {
                pairWeights[u].add_(perQuery[h]);
                gram[u].add_(perHeadGram[h]);
                if (keyGram is null) continue;
                // κ_h E[q_p q_pᵀ] / d over the unrotated dimensions of head h.
                var rows = layer.Query.narrow(0, (long)h * d + r, pass);
                keyGram[u].add_(Times(rows).matmul(rows.to_type(precision).t()).to_type(ScalarType.Float64) * (spread[h] / d));
            }
        }

        var (root, rootPlus) = RootAndPseudoInverse(gram);
        (Tensor? keyRoot, Tensor? keyRootPlus) = keyGram is null ? (null, null) : RootAndPseudoInverse(keyGram);
        var momentSingle = precision == ScalarType.Float64 ? null : momentInPrecision?.DetachFromDisposeScope();
        return new AlignmentMetric(precision, moment?.DetachFromDisposeScope(), momentSingle, pairWeights.DetachFromDisposeScope(),
            root.DetachFromDisposeScope(), rootPlus.DetachFromDisposeScope(), keyRoot?.DetachFromDisposeScope(), keyRootPlus?.DetachFromDisposeScope());
    }

    // The symmetric square root of a batch of positive semidefinite matrices and its pseudo-inverse (directions below
    // 1e-12 of the largest eigenvalue are left out).
    private static (Tensor Root, Tensor RootPlus) RootAndPseudoInverse(Tensor gram)
    {
        var (eigenvalues, eigenvectors) = linalg.eigh((gram + gram.transpose(1, 2)) * 0.5);
        var largest = eigenvalues.amax(new long[] { 1 }, keepdim: true);
        var kept = eigenvalues > largest * 1e-12;
        var roots = eigenvalues.clamp_min(0).sqrt();
        var inverseRoots = where(kept, roots.reciprocal(), zeros_like(roots));
        var root = eigenvectors.matmul(diag_embed(roots)).matmul(eigenvectors.transpose(1, 2));
        var rootPlus = eigenvectors.matmul(diag_embed(inverseRoots)).matmul(eigenvectors.transpose(1, 2));
        return (root, rootPlus);
    }

    /// <summary>
    /// x C̃ for x [..., D+1], in x's precision (x in <see cref="ProductPrecision"/> or float64). Without calibration that
    /// is x itself (returned contiguous, as a product would be), bit for bit what multiplying by the identity gives,
    /// without the D×D product that would dominate a 7B layer's preparation.
    /// </summary>
    public Tensor TimesMoment(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (IsIdentity) return x.contiguous();
        if (x.dtype == Moment.dtype) return x.matmul(Moment);
        if (_momentSingle is not null && x.dtype == _momentSingle.dtype) return x.matmul(_momentSingle);
        throw new ArgumentException($"C̃ is kept in {Moment.dtype} and {ProductPrecision}; x is {x.dtype}.", nameof(x));
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Moment?.Dispose();
        _momentSingle?.Dispose();
        PairWeights.Dispose();
        ValueWeight.Dispose();
        ValueWeightPlus.Dispose();
        KeyPassWeight?.Dispose();
        KeyPassWeightPlus?.Dispose();
    }
}
