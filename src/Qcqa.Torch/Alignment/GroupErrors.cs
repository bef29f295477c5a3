using System.Collections.Concurrent;
using Qcqa.Core.Grouping;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// What the error of any group of a layer's KV units needs, and nothing of the merge itself: the value Gram
/// T = Z C̃ Zᵀ as its blocks (i, j), i ≤ j, of d × d (T is symmetric; half of it is computed and kept), and per rotary
/// pair the complex key Gram P_i. About half of a layer's projections in size (69 MB for a 7B layer against 537 MB),
/// so <see cref="AlignedModelMerge"/> can keep it for every layer the search rescoring revisits.
/// </summary>
/// <remarks>Errors of groups already asked for are remembered (the points of a front share many groups).</remarks>
internal sealed class GroupErrors : IDisposable
{
    private readonly Tensor _valueBlocks; // T's blocks (i, j), i ≤ j, row by row: [U(U+1)/2, d, d]
    private readonly Tensor _keyGramReal; // Re P, [d/2, U, U]
    private readonly Tensor _keyGramImag; // Im P, [d/2, U, U]
    private readonly int _d;
    private readonly int _half;
    private readonly int _units;
    private readonly ConcurrentDictionary<string, double> _known = new(StringComparer.Ordinal);

    private GroupErrors(Tensor valueBlocks, Tensor keyGramReal, Tensor keyGramImag, int units, int d)
    {
        _valueBlocks = valueBlocks;
        _keyGramReal = keyGramReal;
        _keyGramImag = keyGramImag;
        _units = units;
        _d = d;
        _half = d / 2;
    }

    /// <summary>U.</summary>
    public int Units => _units;

    /// <summary>The bytes its tensors hold.</summary>
    public long Bytes => (_valueBlocks.numel() + _keyGramReal.numel() + _keyGramImag.numel()) * sizeof(double);

    /// <summary>
    /// The Grams of a layer from its weighted value rows Z, [U·d, D+1], their product with C̃ (the same tensor without
    /// calibration), and the key Grams (taken over; the caller's dispose scope must not own them).
    /// </summary>
    /// <remarks>One product per block row i (Z_i C̃ against the rows of units i..U−1), so only T's upper half is computed;
    /// the diagonal blocks are symmetrised, the lower half is the transpose of the upper: T is exactly symmetric.</remarks>
    public static GroupErrors Create(Tensor flat, Tensor weighted, Tensor keyGramReal, Tensor keyGramImag, int units, int d)
    {
        using var scope = NewDisposeScope();
        var rows = new Tensor[units];
        for (var i = 0; i < units; i++)
        {
            var rest = units - i;
            var row = weighted.narrow(0, (long)i * d, d).matmul(flat.narrow(0, (long)i * d, (long)rest * d).t()); // [d, rest·d]
            rows[i] = row.view(d, rest, d).permute(1, 0, 2);
        }
        var blocks = cat(rows, 0);
        var diagonal = tensor(Enumerable.Range(0, units).Select(i => Packed(units, i, i)).ToArray(), ScalarType.Int64, blocks.device);
        var onDiagonal = blocks.index_select(0, diagonal);
        blocks.index_copy_(0, diagonal, (onDiagonal + onDiagonal.transpose(1, 2)) * 0.5);
        return new GroupErrors(blocks.contiguous().DetachFromDisposeScope(), keyGramReal, keyGramImag, units, d);
    }

    /// <summary>Error of a unit on its own: its weighted energy (keys and values).</summary>
    public double[] UnitEnergies()
    {
        using var scope = NewDisposeScope();
        var diagonal = tensor(Enumerable.Range(0, _units).Select(i => Packed(_units, i, i)).ToArray(), ScalarType.Int64, _valueBlocks.device);
        var values = _valueBlocks.index_select(0, diagonal).diagonal(0, 1, 2).sum(1);
        var keys = _keyGramReal.diagonal(0, 1, 2).sum(new long[] { 0 });
        return (values + keys).cpu().data<double>().ToArray();
    }

    /// <summary>The error the aligned merge of <paramref name="group"/> leaves (keys plus values); remembered per group.</summary>
    public double GroupError(IReadOnlyList<int> group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Count <= 1) return 0.0;
        var key = string.Join(',', group);
        if (_known.TryGetValue(key, out var known)) return known;
        using var scope = NewDisposeScope();
        var error = Math.Max(0, ValueError(group)) + Math.Max(0, KeyError(group));
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
    /// The error of merging every pair of units, [U, U] row-major (0 on the diagonal), computed for all pairs at once:
    /// the value part from batched 2d×2d eigenproblems (split over up to <see cref="torch.get_num_threads"/> threads),
    /// the key part from 2×2 Hermitian eigenvalues in closed form.
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

        // Values: the 2d×2d Gram of each pair (exactly symmetric); the error is the sum of its d smallest eigenvalues.
        var first = tensor(pairs.Select(p => (long)p.Item1).ToArray(), ScalarType.Int64, _valueBlocks.device);
        var second = tensor(pairs.Select(p => (long)p.Item2).ToArray(), ScalarType.Int64, _valueBlocks.device);
        Tensor Blocks(IEnumerable<(int, int)> at) => _valueBlocks.index_select(0, tensor(at.Select(p => Packed(_units, p.Item1, p.Item2)).ToArray(), ScalarType.Int64, _valueBlocks.device));
        var across = Blocks(pairs);
        var top = cat(new[] { Blocks(pairs.Select(p => (p.Item1, p.Item1))), across }, 2);
        var bottom = cat(new[] { across.transpose(1, 2), Blocks(pairs.Select(p => (p.Item2, p.Item2))) }, 2);
        var pairGram = cat(new[] { top, bottom }, 1);
        var eigenvalues = BatchedEigenvalues(pairGram);
        var valueErrors = eigenvalues.narrow(1, 0, _d).sum(1).clamp_min(0);

        // Keys: λ_min of [[a, p], [p*, b]] = (a+b)/2 − √(((a−b)/2)² + |p|²), summed over the pairs i.
        var diagonal = _keyGramReal.diagonal(0, 1, 2); // [d/2, U]
        var a = diagonal.index_select(1, first);
        var b = diagonal.index_select(1, second);
        var index = first * _units + second;
        var pr = _keyGramReal.reshape(_half, -1).index_select(1, index);
        var pi = _keyGramImag.reshape(_half, -1).index_select(1, index);
        var keyErrors = ((a + b) * 0.5 - ((a - b).square() * 0.25 + pr.square() + pi.square()).sqrt()).clamp_min(0).sum(new long[] { 0 });

        var total = (valueErrors + keyErrors).cpu().data<double>().ToArray();
        for (var p = 0; p < pairs.Count; p++)
        {
            var (i, j) = pairs[p];
            result[i * _units + j] = result[j * _units + i] = total[p];
        }
        return result;
    }

    /// <summary>The group's rows and columns of T, [n·d, n·d], in the group's order.</summary>
    public Tensor GroupValueGram(IReadOnlyList<int> group)
    {
        var n = group.Count;
        var index = new long[n * n];
        var lower = new bool[n * n];
        for (var p = 0; p < n; p++)
            for (var q = 0; q < n; q++)
            {
                var (u, v) = (group[p], group[q]);
                lower[p * n + q] = u > v;
                index[p * n + q] = u <= v ? Packed(_units, u, v) : Packed(_units, v, u);
            }
        var blocks = _valueBlocks.index_select(0, tensor(index, ScalarType.Int64, _valueBlocks.device));
        if (lower.Any(l => l)) blocks = where(tensor(lower, device: _valueBlocks.device).view(-1, 1, 1), blocks.transpose(1, 2), blocks);
        return blocks.view(n, n, _d, _d).permute(0, 2, 1, 3).reshape(n * _d, n * _d);
    }

    /// <summary>The group's rows and columns of each P_i: [d/2, n, n] real and imaginary parts.</summary>
    public (Tensor Real, Tensor Imag) GroupKeyGrams(IReadOnlyList<int> group)
    {
        var members = tensor(group.Select(u => (long)u).ToArray(), ScalarType.Int64, _keyGramReal.device);
        return (_keyGramReal.index_select(1, members).index_select(2, members), _keyGramImag.index_select(1, members).index_select(2, members));
    }

    internal double ValueError(IReadOnlyList<int> group)
    {
        var gram = GroupValueGram(group);
        var eigenvalues = linalg.eigvalsh(gram);
        var n = group.Count * _d;
        return gram.trace().item<double>() - eigenvalues.narrow(0, n - _d, _d).sum().item<double>();
    }

    internal double KeyError(IReadOnlyList<int> group)
    {
        var (real, imag) = GroupKeyGrams(group);
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

    // libtorch solves a batch one matrix after another on one thread; the parts of the batch go to threads of their own
    // (on 2 cores: 496 eigenproblems of 256 × 256 in 1.5 s instead of 3.6 s).
    private static Tensor BatchedEigenvalues(Tensor batch)
    {
        var count = batch.shape[0];
        var parts = (int)Math.Min(Math.Max(1, get_num_threads()), count);
        if (parts == 1) return linalg.eigvalsh(batch);
        var result = empty(count, batch.shape[1], batch.dtype, batch.device);
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var start = count * part / parts;
            var length = count * (part + 1) / parts - start;
            using var scope = NewDisposeScope(); // dispose scopes are per thread
            result.narrow(0, start, length).copy_(linalg.eigvalsh(batch.narrow(0, start, length)));
        });
        return result;
    }

    private static long Packed(int units, int i, int j) => (long)i * units - (long)i * (i - 1) / 2 + (j - i);

    /// <summary>Releases the Grams.</summary>
    public void Dispose()
    {
        _valueBlocks.Dispose();
        _keyGramReal.Dispose();
        _keyGramImag.Dispose();
    }
}
