using System.Collections.Concurrent;
using Qcqa.Core.Alignment;
using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Memory;
using Qcqa.Core.Merge;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Core.Tests.Pipeline.Fakes;

/// <summary>
/// The aligned merge without libtorch, deterministic and counting every call:
/// <list type="bullet">
/// <item>its fitness is a planted pseudo-Gram in which head h and head H−1−h merge for free (and nothing else does),
/// so a search on it finds groupings a search on the real Gram matrices does not;</item>
/// <item>its exact error is that pseudo-Gram's Gram-form WSE;</item>
/// <item>its projections are the mean of each group's K/V heads with the keys scaled by s and the queries by 1/s, where
/// s depends on the calibration's token count — valid weights (the same attention scores as the mean merge) whose
/// bytes follow the calibration;</item>
/// <item>its KL probe costs <see cref="Cost"/> (by default (H − G) · <see cref="LayerWeights"/>[layer]).</item>
/// </list>
/// </summary>
internal sealed class FakeAlignmentEngine : IAlignmentEngine
{
    private int _opened;
    private int _sensitivitiesOpened;
    private int _fitnessGrams;
    private int _errors;
    private int _projections;

    /// <summary>Each layer's weight in the default probe cost.</summary>
    internal double[] LayerWeights { get; init; } = [1, 1, 1];

    /// <summary>The KL cost the probe reports for merging one layer alone.</summary>
    internal Func<int, LayerGrouping, double> Cost { get; init; }

    internal FakeAlignmentEngine() => Cost = (layer, grouping) => (grouping.HeadCount - grouping.GroupCount) * LayerWeights[layer];

    internal int Opened => _opened;

    internal int SensitivitiesOpened => _sensitivitiesOpened;

    internal int FitnessGrams => _fitnessGrams;

    internal int Errors => _errors;

    internal int Projections => _projections;

    /// <summary>How many times the build freed what the aligned model keeps.</summary>
    internal int Releases => _releases;

    private int _releases;

    /// <summary>Every probe, in call order.</summary>
    internal ConcurrentQueue<(int Layer, LayerGrouping Grouping)> Probes { get; } = new();

    /// <summary>How many times the probes were asked for (a layer-cost stage asks once for all of its probes).</summary>
    internal int MeasureCalls { get; set; }

    public string CodeVersion => "fake-alignment-1";

    /// <summary>The planted pairs {h, H−1−h} of a layer of <paramref name="heads"/> heads.</summary>
    internal static LayerGrouping PlantedPairs(int heads)
        => LayerGrouping.FromGroups(heads, Enumerable.Range(0, heads / 2).Select(h => new[] { h, heads - 1 - h }));

    /// <summary>The pseudo-Gram: head h is the vector (1 + p)·e_p with p = min(h, H−1−h).</summary>
    internal static GramMatrix PlantedGram(int heads)
    {
        var values = new double[heads * heads];
        for (var i = 0; i < heads; i++)
            for (var j = 0; j < heads; j++)
            {
                int pi = Math.Min(i, heads - 1 - i), pj = Math.Min(j, heads - 1 - j);
                values[i * heads + j] = pi == pj ? (1.0 + pi) * (1.0 + pi) : 0;
            }
        return new GramMatrix(heads, values);
    }

    /// <summary>The key scale the projections use under <paramref name="calibration"/>.</summary>
    internal static double KeyScale(CalibrationStatistics? calibration) => calibration is null ? 1.0 : 1.0 + 1.0 / (1 + calibration.Tokens);

    /// <summary>Forgets every count and probe (between two builds).</summary>
    internal void Reset()
    {
        _opened = _sensitivitiesOpened = _fitnessGrams = _errors = _projections = _gradientRuns = _releases = 0;
        Probes.Clear();
        MeasureCalls = 0;
    }

    public IAlignedModel Open(Checkpoint checkpoint, CalibrationStatistics? calibration, string device)
    {
        Interlocked.Increment(ref _opened);
        return new Model(this, checkpoint, calibration);
    }

    public ILayerSensitivity OpenSensitivity(Checkpoint checkpoint, CalibrationStatistics? calibration, string textPath, long maxTokens, string device,
        MemoryLimit memory)
    {
        Limits.Add(memory);
        Interlocked.Increment(ref _sensitivitiesOpened);
        return new Sensitivity(this, maxTokens);
    }

    /// <summary>Gradient sensitivities: <see cref="LayerWeights"/> (one per layer of the checkpoint, cycled), recorded in <see cref="GradientRuns"/>.</summary>
    public IReadOnlyList<double> GradientSensitivity(Checkpoint checkpoint, string textPath, long maxTokens, string device, MemoryLimit memory,
        CancellationToken cancellation)
    {
        Interlocked.Increment(ref _gradientRuns);
        Limits.Add(memory);
        return Enumerable.Range(0, checkpoint.LayerCount).Select(l => LayerWeights[l % LayerWeights.Length]).ToArray();
    }

    internal int GradientRuns => _gradientRuns;

    /// <summary>The memory limit every probe and gradient pass was given.</summary>
    internal System.Collections.Concurrent.ConcurrentBag<MemoryLimit> Limits { get; } = [];

    private int _gradientRuns;

    private sealed class Model(FakeAlignmentEngine engine, Checkpoint checkpoint, CalibrationStatistics? calibration) : IAlignedModel
    {
        public GramMatrix FitnessGram(int layer)
        {
            Interlocked.Increment(ref engine._fitnessGrams);
            return PlantedGram(checkpoint.KvHeadsPerLayer[layer]);
        }

        public void ReleaseMemory() => Interlocked.Increment(ref engine._releases);

        public double Error(int layer, LayerGrouping grouping)
        {
            Interlocked.Increment(ref engine._errors);
            return WseCalculator.FromGram(PlantedGram(grouping.HeadCount), grouping);
        }

        public MergedProjections? Projections(int layer, LayerGrouping grouping)
        {
            Interlocked.Increment(ref engine._projections);
            if (grouping.IsIdentity) return null;
            var scale = KeyScale(calibration);
            var attention = checkpoint.Attention(layer);
            var query = attention.Query.ReadAllDoubles().Select(x => x / scale).ToArray();
            var queryBias = attention.QueryBias?.ReadAllDoubles().Select(x => x / scale).ToArray();
            return new MergedProjections(
                query, queryBias,
                Pool(attention.Key, grouping, scale), attention.KeyBias is null ? null : Pool(attention.KeyBias, grouping, scale),
                Pool(attention.Value, grouping, 1), attention.ValueBias is null ? null : Pool(attention.ValueBias, grouping, 1),
                attention.Output.ReadAllDoubles());
        }

        public void Dispose()
        {
        }

        // The mean of each group's heads (blocks of the first axis), groups in the grouping's order, times a scale.
        private static double[] Pool(ProjectionRows tensor, LayerGrouping grouping, double scale)
        {
            var values = tensor.ReadAllDoubles();
            var head = values.Length / grouping.HeadCount;
            var pooled = new double[head * grouping.GroupCount];
            for (var g = 0; g < grouping.GroupCount; g++)
            {
                var members = grouping.Groups[g];
                for (var i = 0; i < head; i++)
                    pooled[g * head + i] = members.Sum(h => values[h * head + i]) / members.Count * scale;
            }
            return pooled;
        }
    }

    private sealed class Sensitivity(FakeAlignmentEngine engine, long tokens) : ILayerSensitivity
    {
        public long Tokens => tokens;

        public IReadOnlyList<double> Measure(IReadOnlyList<LayerProbe> probes, CancellationToken cancellation = default)
        {
            engine.MeasureCalls++;
            return probes.Select(p =>
            {
                engine.Probes.Enqueue((p.Layer, p.Grouping));
                return engine.Cost(p.Layer, p.Grouping);
            }).ToArray();
        }

        public void Dispose()
        {
        }
    }
}
