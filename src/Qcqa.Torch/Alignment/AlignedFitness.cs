using Qcqa.Core.Statistics;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// The search's fitness for an aligned merge, in the form the search already understands: an H×H matrix A such that
/// the Gram-form WSE of any group, Σ_{u∈S} A_uu − (1/|S|) Σ_{u,v∈S} A_uv, equals (2/|S|) Σ_{u&lt;v∈S} E_uv, where
/// E_uv is the exact aligned-merge error of the pair {u, v}.
/// </summary>
/// <remarks>
/// <para>With A_uu = t_u (the unit's weighted energy) and A_uv = (t_u + t_v)/2 − E_uv the identity holds for any t.
/// For mean-pooling (E_uv = ½‖x_u − x_v‖²) it is exactly today's WSE; for the aligned merge it is exact for pairs
/// and a pairwise average for larger groups, which the front rescoring then replaces by the exact error
/// (<see cref="LayerAlignment.GroupError"/>). The search itself costs the same as with plain WSE.</para>
/// <para>The matrix need not be positive semidefinite; nothing in the search relies on that.</para>
/// </remarks>
public static class AlignedFitness
{
    /// <summary>The pseudo-Gram matrix of <paramref name="alignment"/>'s layer.</summary>
    public static GramMatrix PairGram(LayerAlignment alignment)
    {
        ArgumentNullException.ThrowIfNull(alignment);
        var units = alignment.Units;
        var energy = alignment.UnitEnergies();
        var errors = alignment.PairErrors();
        var values = new double[units * units];
        for (var u = 0; u < units; u++)
            for (var v = 0; v < units; v++)
                values[u * units + v] = u == v ? energy[u] : (energy[u] + energy[v]) / 2 - errors[u * units + v];
        return new GramMatrix(units, values);
    }
}
