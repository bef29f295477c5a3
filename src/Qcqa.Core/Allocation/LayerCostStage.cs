using System.Diagnostics;
using Qcqa.Core.Alignment;
using Qcqa.Core.Cache;
using Qcqa.Core.Search;
using Qcqa.Core.Wse;
using Qcqa.Core.Progress;
using Serilog;

namespace Qcqa.Core.Allocation;

/// <summary>
/// Puts every layer's front on the scale stage 2 compares layers on: each point's value becomes the cost of choosing
/// it. <see cref="AllocationMethod.Wse"/>: the raw WSE of its grouping (the paper's DP). <see cref="AllocationMethod.Measured"/>:
/// the KL divergence the whole model suffers with only that layer merged (one probe per point).
/// <see cref="AllocationMethod.Estimated"/>: the point's own error times the layer's KL per unit of error, measured once
/// per layer near G = H/2. <see cref="AllocationMethod.Gradient"/>: the point's own error times the layer's second-order
/// KL per unit of attention-output error, from one streamed forward and one backward pass. <see cref="AllocationMethod.Uniform"/>: unchanged (the budget, not the costs, decides).
/// Probed costs are content-cached (<see cref="CacheKeys.LayerCosts"/>) and memoised per build.
/// </summary>
/// <param name="cache">The build's content cache, or null to measure every time.</param>
/// <param name="log">Receives hits, misses and the probes' cost.</param>
/// <param name="progress">Told when the stage starts and finishes (default: nothing is reported).</param>
public sealed class LayerCostStage(ContentCache? cache, ILogger log, BuildProgress? progress = null)
{
    private readonly BuildProgress _progress = progress ?? BuildProgress.None;
    private readonly Dictionary<string, IReadOnlyList<LayerFront>> _memo = new(StringComparer.Ordinal);

    /// <summary>The fronts with each point's value replaced by its cost.</summary>
    public IReadOnlyList<LayerFront> Run(LayerCostInput input, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(input);
        switch (input.Method)
        {
            case AllocationMethod.Uniform:
                return input.Fronts;
            case AllocationMethod.Wse:
                return input.Fronts.Select((front, layer) => Replace(front, p => WseCalculator.FromGram(input.Statistics.Grams[layer], p.Grouping))).ToArray();
        }

        var key = CacheKeys.LayerCosts(input.FrontsHash, input.Method.ToString(), input.CalibrationIdentity, input.ProbeTokens, input.EngineVersion);
        if (_memo.TryGetValue(key.Hash, out var known)) return known;
        var clock = Stopwatch.StartNew();
        var probes = 0;
        var computed = false;
        var step = _progress.Stage(BuildStages.LayerCosts, input.Label);
        var costs = cache is null ? Measure() : cache.GetOrAdd(key, new JsonCacheSerializer<double[][]>(), Measure);
        var result = input.Fronts.Select((front, layer) =>
        {
            var i = 0;
            return Replace(front, _ => Math.Max(0, costs[layer][i++]));
        }).ToArray();
        if (computed)
            log.Debug("Layer costs {Label}: {Probes} probes ({Method}) in {Seconds:0.0} s", input.Label, probes, input.Method.ToString().ToLowerInvariant(), clock.Elapsed.TotalSeconds);
        else
            log.Debug("Layer costs {Label}: cost hit", input.Label);
        step.Finished(computed ? $"{probes} probes in {clock.Elapsed.TotalSeconds:0.0} s" : "from cache");
        return _memo[key.Hash] = result;

        double[][] Measure()
        {
            computed = true;
            step.Started($"{input.Fronts.Count} layers");
            if (input.Method == AllocationMethod.Gradient)
            {
                var scales = Preconditions.CheckNotNull(input.GradientScales)();
                probes = 2; // one streamed forward pass and one backward pass
                return input.Fronts.Select((front, layer) => front.Points.Select(p => p.Wse * scales[layer]).ToArray()).ToArray();
            }
            // Every probe is listed first and measured in one call, so a streamed model is read once per pass, not once per probe.
            var probed = ListProbes(input);
            probes = probed.Count;
            if (probed.Count == 0) return input.Fronts.Select(front => new double[front.Points.Count]).ToArray();
            using var sensitivity = Preconditions.CheckNotNull(input.Sensitivity)();
            return Costs(input.Fronts, probed, sensitivity.Measure(probed.Select(p => p.Probe).ToArray(), cancellation));
        }
    }

    // Measured: every merged point. Estimated: one probe per layer, at the merged point closest to half the heads
    // (Point −1: it scales the whole layer's errors).
    private static List<(int Point, FrontPoint Reference, LayerProbe Probe)> ListProbes(LayerCostInput input)
    {
        var probed = new List<(int Point, FrontPoint Reference, LayerProbe Probe)>();
        for (var layer = 0; layer < input.Fronts.Count; layer++)
        {
            var front = input.Fronts[layer];
            if (input.Method == AllocationMethod.Measured)
            {
                for (var i = 0; i < front.Points.Count; i++)
                    if (!front.Points[i].Grouping.IsIdentity) probed.Add((i, front.Points[i], new LayerProbe(layer, front.Points[i].Grouping)));
                continue;
            }
            var merged = front.Points.Where(p => !p.Grouping.IsIdentity && p.Wse > 0).ToList();
            if (merged.Count == 0) continue;
            var reference = merged.OrderBy(p => Math.Abs(2 * p.GroupCount - front.HeadCount)).ThenBy(p => p.GroupCount).First();
            probed.Add((-1, reference, new LayerProbe(layer, reference.Grouping)));
        }
        return probed;
    }

    // Each front point's cost: its own probe's, or its error scaled by its layer's probe (unprobed points cost 0).
    private static double[][] Costs(IReadOnlyList<LayerFront> fronts, List<(int Point, FrontPoint Reference, LayerProbe Probe)> probed,
        IReadOnlyList<double> measured)
    {
        var costs = fronts.Select(front => new double[front.Points.Count]).ToArray();
        for (var k = 0; k < probed.Count; k++)
        {
            var (point, reference, probe) = probed[k];
            if (point >= 0)
            {
                costs[probe.Layer][point] = measured[k];
                continue;
            }
            var scale = measured[k] / reference.Wse;
            var points = fronts[probe.Layer].Points;
            for (var i = 0; i < points.Count; i++) costs[probe.Layer][i] = points[i].Wse * scale;
        }
        return costs;
    }

    private static LayerFront Replace(LayerFront front, Func<FrontPoint, double> cost)
        => new(front.HeadCount, front.Mode, front.Energy, front.Points.Select(p => p with { Wse = cost(p), SeedWse = null }).ToArray());
}
