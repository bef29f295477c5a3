using Qcqa.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// The Gram T = Z C̃ Zᵀ of a <see cref="LinearFit"/>'s weighted rows Z_u, [U·m, U·m], kept as its blocks (i, j), i ≤ j,
/// of m × m (T is symmetric; half of it is computed and kept), and the errors it gives: a group's error is tr T_S minus
/// the m largest eigenvalues of T_S.
/// </summary>
internal sealed class BlockGram : IDisposable
{
    /// <summary>
    /// A Gram of more rows than this (U·m) is computed, kept and solved in float32 (so is every group of its rows).
    /// Below it float64 costs little; above it (a 7B layer: 4096 rows) float64 doubles the time of the Gram's products
    /// (69 GFLOP per 7B layer), of the pair eigenproblems and of the largest group eigenproblems (4096 × 4096: 3.6 s
    /// against 1.9 s here), and the memory the search's rescoring keeps, for a precision (about 1e-6 of a group's error)
    /// far finer than ranking groupings needs.
    /// </summary>
    public const int Float64Rows = 1024;

    private readonly Tensor _blocks; // T's blocks (i, j), i ≤ j, row by row: [U(U+1)/2, m, m]
    private readonly int _m;
    private readonly int _units;

    private BlockGram(Tensor blocks, int units, int m)
    {
        _blocks = blocks;
        _units = units;
        _m = m;
    }

    /// <summary>m, the rows of one unit's block.</summary>
    public int Rows => _m;

    /// <summary>The bytes its tensor holds.</summary>
    public long Bytes => _blocks.numel() * _blocks.ElementSize;

    /// <summary>The precision a Gram of <paramref name="units"/> blocks of <paramref name="m"/> rows is computed and kept in (see <see cref="Float64Rows"/>).</summary>
    public static ScalarType Precision(int units, int m) => (long)units * m > Float64Rows ? ScalarType.Float32 : ScalarType.Float64;

    /// <summary>
    /// T from the weighted rows Z, [U·m, D+1], and their product with C̃ (the same tensor without calibration), both in
    /// <see cref="Precision"/>; T is kept in their dtype.
    /// </summary>
    /// <remarks>One product per block row i (Z_i C̃ against the rows of units i..U−1), so only T's upper half is computed;
    /// the diagonal blocks are symmetrised, the lower half is the transpose of the upper: T is exactly symmetric.</remarks>
    public static BlockGram Create(Tensor flat, Tensor weighted, int units, int m)
    {
        using var scope = NewDisposeScope();
        var rows = new Tensor[units];
        for (var i = 0; i < units; i++)
        {
            var rest = units - i;
            var row = weighted.narrow(0, (long)i * m, m).matmul(flat.narrow(0, (long)i * m, (long)rest * m).t()); // [m, rest·m]
            rows[i] = row.view(m, rest, m).permute(1, 0, 2);
        }
        var blocks = cat(rows, 0);
        var diagonal = tensor(Enumerable.Range(0, units).Select(i => Packed(units, i, i)).ToArray(), ScalarType.Int64, blocks.device);
        var onDiagonal = blocks.index_select(0, diagonal);
        blocks.index_copy_(0, diagonal, (onDiagonal + onDiagonal.transpose(1, 2)) * 0.5);
        return new BlockGram(blocks.contiguous().DetachFromDisposeScope(), units, m);
    }

    /// <summary>Each unit's weighted energy, [U]: its error on its own.</summary>
    public Tensor UnitEnergies()
    {
        var diagonal = tensor(Enumerable.Range(0, _units).Select(i => Packed(_units, i, i)).ToArray(), ScalarType.Int64, _blocks.device);
        return _blocks.index_select(0, diagonal).diagonal(0, 1, 2).sum(1);
    }

    /// <summary>The group's rows and columns of T, [n·m, n·m], in the group's order.</summary>
    public Tensor Group(IReadOnlyList<int> group)
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
        var blocks = _blocks.index_select(0, tensor(index, ScalarType.Int64, _blocks.device));
        if (lower.Any(l => l)) blocks = where(tensor(lower, device: _blocks.device).view(-1, 1, 1), blocks.transpose(1, 2), blocks);
        return blocks.view(n, n, _m, _m).permute(0, 2, 1, 3).reshape(n * _m, n * _m);
    }

    /// <summary>The error of fitting <paramref name="group"/>'s blocks by one shared block, solved in the Gram's precision.</summary>
    public double Error(IReadOnlyList<int> group)
    {
        var n = group.Count * _m;
        var gram = Group(group);
        var eigenvalues = linalg.eigvalsh(gram).to_type(ScalarType.Float64);
        return gram.to_type(ScalarType.Float64).trace().item<double>() - eigenvalues.narrow(0, n - _m, _m).sum().item<double>();
    }

    /// <summary>
    /// The error of every pair at once: the m smallest eigenvalues of each 2m×2m Gram (exactly symmetric; solved in the
    /// Gram's precision), [pairs] in float64; the batch of eigenproblems is split over up to
    /// <see cref="torch.get_num_threads"/> threads.
    /// </summary>
    public Tensor PairErrors(IReadOnlyList<(int, int)> pairs)
    {
        // In chunks, so that the stacked pair Grams stay small (at a 7B layer's shape all 496 at once are 260 MB, and
        // building them takes three times that).
        const int chunk = 64;
        var errors = new Tensor[(pairs.Count + chunk - 1) / chunk];
        for (var c = 0; c < errors.Length; c++)
        {
            using var scope = NewDisposeScope();
            var part = pairs.Skip(c * chunk).Take(chunk).ToArray();
            var across = Blocks(part);
            var top = cat(new[] { Blocks(part.Select(p => (p.Item1, p.Item1))), across }, 2);
            var bottom = cat(new[] { across.transpose(1, 2), Blocks(part.Select(p => (p.Item2, p.Item2))) }, 2);
            var eigenvalues = BatchedEigenvalues(cat(new[] { top, bottom }, 1));
            errors[c] = eigenvalues.narrow(1, 0, _m).to_type(ScalarType.Float64).sum(1).clamp_min(0).DetachFromDisposeScope();
        }
        if (errors.Length == 0) return empty(0, ScalarType.Float64, _blocks.device);
        var all = cat(errors, 0);
        foreach (var e in errors) e.Dispose();
        return all;

        Tensor Blocks(IEnumerable<(int, int)> at) => _blocks.index_select(0, tensor(at.Select(p => Packed(_units, p.Item1, p.Item2)).ToArray(), ScalarType.Int64, _blocks.device));
    }

    // libtorch solves a batch one matrix after another; the batch is split into one part per thread, each solved
    // single-threaded (see SingleThreadedParts).
    private static Tensor BatchedEigenvalues(Tensor batch)
    {
        var count = batch.shape[0];
        var parts = (int)Math.Min(Math.Max(1, get_num_threads()), count);
        if (parts == 1) return linalg.eigvalsh(batch);
        var result = empty(count, batch.shape[1], batch.dtype, batch.device);
        SingleThreadedParts.For(parts, part =>
        {
            var start = count * part / parts;
            var length = count * (part + 1) / parts - start;
            result.narrow(0, start, length).copy_(linalg.eigvalsh(batch.narrow(0, start, length)));
        });
        return result;
    }

    private static long Packed(int units, int i, int j) => (long)i * units - (long)i * (i - 1) / 2 + (j - i);

    /// <summary>Releases the blocks.</summary>
    public void Dispose() => _blocks.Dispose();
}
