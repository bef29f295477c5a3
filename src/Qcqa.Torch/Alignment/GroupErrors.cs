using System.Collections.Concurrent;
using Qcqa.Core.Grouping;
using Qcqa.Torch.Runtime;
using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// What the error of any group of a layer's KV units needs, and nothing of the merge itself: the value Gram
/// T = Z C̃ Zᵀ as a <see cref="BlockGram"/> (half of it computed and kept), the same for the key dimensions RoPE leaves
/// unrotated (partial rotary), and per rotary pair (i, i + r/2) the complex key Gram P_i. About half of a layer's
/// projections in size (35 MB for a 7B layer, whose Grams are float32 (<see cref="BlockGram.Precision"/>), against 537 MB), so <see cref="AlignedModelMerge"/> can keep it for every
/// layer the search rescoring revisits.
/// </summary>
/// <remarks>Errors of groups already asked for are remembered (the points of a front share many groups).</remarks>
internal sealed class GroupErrors : IDisposable
{
    private readonly BlockGram _values;
    private readonly BlockGram? _keyPass;  // the d − r unrotated key dimensions; null when RoPE rotates whole heads
    private readonly Tensor _keyGramReal;  // Re P, [r/2, U, U]
    private readonly Tensor _keyGramImag;  // Im P, [r/2, U, U]
    private readonly int _half;
    private readonly int _units;
    private readonly ConcurrentDictionary<string, double> _known = new(StringComparer.Ordinal);

    /// <summary>Takes over the Grams (the caller's dispose scope must not own the key Grams).</summary>
    /// <param name="values">The value Gram.</param>
    /// <param name="keyPass">The Gram of the unrotated key dimensions, or null.</param>
    /// <param name="keyGramReal">Re P, [r/2, U, U].</param>
    /// <param name="keyGramImag">Im P, [r/2, U, U].</param>
    /// <param name="units">U.</param>
    public GroupErrors(BlockGram values, BlockGram? keyPass, Tensor keyGramReal, Tensor keyGramImag, int units)
    {
        _values = values;
        _keyPass = keyPass;
        _keyGramReal = keyGramReal;
        _keyGramImag = keyGramImag;
        _units = units;
        _half = (int)keyGramReal.shape[0];
    }

    /// <summary>U.</summary>
    public int Units => _units;

    /// <summary>The value Gram.</summary>
    public BlockGram Values => _values;

    /// <summary>The Gram of the unrotated key dimensions, or null when RoPE rotates whole heads.</summary>
    public BlockGram? KeyPass => _keyPass;

    /// <summary>The bytes its tensors hold.</summary>
    public long Bytes => _values.Bytes + (_keyPass?.Bytes ?? 0) + (_keyGramReal.numel() + _keyGramImag.numel()) * sizeof(double);

    /// <summary>Error of a unit on its own: its weighted energy (keys and values).</summary>
    public double[] UnitEnergies()
    {
        using var scope = NewDisposeScope();
        var energies = _values.UnitEnergies().to_type(ScalarType.Float64) + _keyGramReal.diagonal(0, 1, 2).sum(new long[] { 0 });
        if (_keyPass is not null) energies += _keyPass.UnitEnergies().to_type(ScalarType.Float64);
        return energies.cpu().data<double>().ToArray();
    }

    /// <summary>The error the aligned merge of <paramref name="group"/> leaves (keys plus values); remembered per group.</summary>
    public double GroupError(IReadOnlyList<int> group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Count <= 1) return 0.0;
        var key = KeyOf(group);
        if (_known.TryGetValue(key, out var known)) return known;
        using var scope = NewDisposeScope();
        var error = Math.Max(0, _values.Error(group)) + Math.Max(0, KeyError(group));
        if (_keyPass is not null) error += Math.Max(0, _keyPass.Error(group));
        _known.TryAdd(key, error);
        return error;
    }

    /// <summary>Σ over the grouping's groups of <see cref="GroupError"/>.</summary>
    public double GroupingError(LayerGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(grouping);
        return grouping.Groups.Sum(GroupError);
    }

    /// <summary>
    /// <see cref="GroupingError"/> of each grouping, their groups not yet known solved first, side by side: one
    /// single-threaded eigenproblem per libtorch thread, the largest first.
    /// </summary>
    /// <remarks>A large layer's front has a few groups of thousands of rows, each solved in one call; libtorch's own
    /// threads keep two cores only about 1.3 busy on such a call, while one call per core keeps both busy.</remarks>
    public double[] GroupingErrors(IReadOnlyList<LayerGrouping> groupings)
    {
        ArgumentNullException.ThrowIfNull(groupings);
        var pending = groupings.SelectMany(g => g.Groups).Where(g => g.Count > 1)
            .DistinctBy(KeyOf).Where(g => !_known.ContainsKey(KeyOf(g)))
            .OrderByDescending(g => g.Count).ToArray();
        SingleThreadedParts.For(pending.Length, i => GroupError(pending[i]));
        return groupings.Select(GroupingError).ToArray();
    }

    /// <summary>
    /// The error of merging every pair of units, [U, U] row-major (0 on the diagonal), computed for all pairs at once:
    /// the value part (and that of unrotated key dimensions) from batched eigenproblems, the rotary key part from 2×2
    /// Hermitian eigenvalues in closed form.
    /// </summary>
    public double[] PairErrors()
    {
        using var scope = NewDisposeScope();
        var pairs = new List<(int, int)>();
        for (var i = 0; i < _units; i++)
            for (var j = i + 1; j < _units; j++)
                pairs.Add((i, j));
        var result = new double[_units * _units];
        if (pairs.Count == 0) return result;

        var first = tensor(pairs.Select(p => (long)p.Item1).ToArray(), ScalarType.Int64, _keyGramReal.device);
        var second = tensor(pairs.Select(p => (long)p.Item2).ToArray(), ScalarType.Int64, _keyGramReal.device);
        var linear = _values.PairErrors(pairs);
        if (_keyPass is not null) linear += _keyPass.PairErrors(pairs);

        // Keys: λ_min of [[a, p], [p*, b]] = (a+b)/2 − √(((a−b)/2)² + |p|²), summed over the pairs i.
        var diagonal = _keyGramReal.diagonal(0, 1, 2); // [r/2, U]
        var a = diagonal.index_select(1, first);
        var b = diagonal.index_select(1, second);
        var index = first * _units + second;
        var pr = _keyGramReal.reshape(_half, -1).index_select(1, index);
        var pi = _keyGramImag.reshape(_half, -1).index_select(1, index);
        var keyErrors = ((a + b) * 0.5 - ((a - b).square() * 0.25 + pr.square() + pi.square()).sqrt()).clamp_min(0).sum(new long[] { 0 });

        var total = (linear + keyErrors).cpu().data<double>().ToArray();
        for (var p = 0; p < pairs.Count; p++)
        {
            var (i, j) = pairs[p];
            result[i * _units + j] = result[j * _units + i] = total[p];
        }
        return result;
    }

    /// <summary>The group's rows and columns of each P_i: [r/2, n, n] real and imaginary parts.</summary>
    /// <param name="real">Re P, [r/2, U, U].</param>
    /// <param name="imag">Im P, [r/2, U, U].</param>
    /// <param name="group">The group's units.</param>
    public static (Tensor Real, Tensor Imag) GroupKeyGrams(Tensor real, Tensor imag, IReadOnlyList<int> group)
    {
        var members = tensor(group.Select(u => (long)u).ToArray(), ScalarType.Int64, real.device);
        return (real.index_select(1, members).index_select(2, members), imag.index_select(1, members).index_select(2, members));
    }

    internal double KeyError(IReadOnlyList<int> group)
    {
        var (real, imag) = GroupKeyGrams(_keyGramReal, _keyGramImag, group);
        var embedded = Embed(real, imag);
        var largest = linalg.eigvalsh(embedded).select(1, 2L * group.Count - 1);
        return (real.diagonal(0, 1, 2).sum(1) - largest).sum().item<double>();
    }

    // A Hermitian A + jB as the real symmetric [[A, −B], [B, A]]: same eigenvalues (each twice); eigenvector (x; y) ↔ x + jy.
    internal static Tensor Embed(Tensor real, Tensor imag)
    {
        var embedded = cat(new[] { cat(new[] { real, -imag }, 2), cat(new[] { imag, real }, 2) }, 1);
        return (embedded + embedded.transpose(1, 2)) * 0.5;
    }

    private static string KeyOf(IReadOnlyList<int> group) => string.Join(',', group);

    /// <summary>Releases the Grams.</summary>
    public void Dispose()
    {
        _values.Dispose();
        _keyPass?.Dispose();
        _keyGramReal.Dispose();
        _keyGramImag.Dispose();
    }
}
