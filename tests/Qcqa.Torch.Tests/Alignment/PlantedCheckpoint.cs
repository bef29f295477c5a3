using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Tests.Shared;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>
/// A synthetic checkpoint whose KV heads inside each planted group differ exactly by the maps an aligned merge
/// absorbs: per rotary pair a complex factor (rotation and scale) on the keys, an invertible map on the key dimensions
/// RoPE leaves unrotated (partial rotary), an invertible d×d map on the values. Works on every family: the planted rows
/// are written back where the family stores them (a fused tensor's K and V rows).
/// </summary>
internal static class PlantedCheckpoint
{
    /// <summary>Writes a Llama model (F32 unless asked), plants the groups and returns the grouping that merges it exactly.</summary>
    internal static ModelGrouping Write(string folder, int[][] groups, bool biases = false, ulong seed = 7)
    {
        SyntheticModels.Write(folder, SyntheticModels.Options(biases: biases, heads: groups.Sum(g => g.Length), seed: seed));
        return Plant(folder, groups, seed);
    }

    /// <summary>Plants the groups into the K/V rows of the model in <paramref name="folder"/> (any family) and returns the grouping that merges it exactly.</summary>
    internal static ModelGrouping Plant(string folder, int[][] groups, ulong seed = 7)
    {
        var heads = groups.Sum(g => g.Length);
        var random = new Random((int)seed);
        var replaced = new Dictionary<string, double[]>(StringComparer.Ordinal);
        int layers;
        using (var checkpoint = Checkpoint.Open(folder))
        {
            var d = checkpoint.Config.HeadDim;
            var hidden = checkpoint.Config.HiddenSize;
            var rotary = checkpoint.Family.RotaryDimensions(checkpoint.Config);
            layers = checkpoint.LayerCount;
            for (var layer = 0; layer < layers; layer++)
            {
                var attention = checkpoint.Attention(layer);
                var key = attention.Key.ReadAllDoubles();
                var value = attention.Value.ReadAllDoubles();
                var keyBias = attention.KeyBias?.ReadAllDoubles();
                var valueBias = attention.ValueBias?.ReadAllDoubles();
                foreach (var group in groups)
                {
                    var source = group[0];
                    foreach (var unit in group.Skip(1))
                    {
                        var factors = Enumerable.Range(0, rotary / 2).Select(_ => RotationAndScale(random)).ToArray();
                        PlantKey(key, hidden, d, rotary, source, unit, factors);
                        if (keyBias is not null) PlantKey(keyBias, 1, d, rotary, source, unit, factors);
                        if (rotary < d) PlantMap(key, keyBias, hidden, d, rotary, source, unit, random);
                        PlantMap(value, valueBias, hidden, d, 0, source, unit, random);
                    }
                }
                Scatter(replaced, attention.Key, key);
                Scatter(replaced, attention.Value, value);
                if (keyBias is not null) Scatter(replaced, attention.KeyBias!, keyBias);
                if (valueBias is not null) Scatter(replaced, attention.ValueBias!, valueBias);
            }
        }
        Rewrite(folder, replaced);
        var grouping = LayerGrouping.FromGroups(heads, groups);
        return ModelGrouping.Uniform(GroupingMode.Custom, layers, grouping);
    }

    // Puts a projection's values (head after head) back into the rows of its stored tensor.
    private static void Scatter(Dictionary<string, double[]> replaced, ProjectionRows rows, double[] values)
    {
        if (!replaced.TryGetValue(rows.Name, out var stored)) replaced[rows.Name] = stored = rows.Tensor.ReadAllDoubles();
        for (var head = 0; head < rows.Heads; head++)
            Array.Copy(values, head * rows.HeadElements, stored, rows.FirstRow(head) * rows.Columns, rows.HeadElements);
    }

    private static (double Re, double Im) RotationAndScale(Random random)
    {
        var angle = random.NextDouble() * 2 * Math.PI;
        var scale = 0.5 + random.NextDouble();
        return (scale * Math.Cos(angle), scale * Math.Sin(angle));
    }

    // Unit's key pair i := c_i · source's key pair i (rows i and i + r/2 are its real and imaginary parts).
    private static void PlantKey(double[] rows, int width, int d, int rotary, int source, int unit, (double Re, double Im)[] factors)
    {
        var half = rotary / 2;
        for (var i = 0; i < half; i++)
        {
            var (a, b) = factors[i];
            for (var x = 0; x < width; x++)
            {
                var re = rows[(source * d + i) * width + x];
                var im = rows[(source * d + half + i) * width + x];
                rows[(unit * d + i) * width + x] = a * re - b * im;
                rows[(unit * d + half + i) * width + x] = a * im + b * re;
            }
        }
    }

    // Unit's rows [first, d) of its head (and bias) := M · source's, M = I + 0.5·N(0, 1/m) with m = d − first
    // (invertible with overwhelming probability): all of a value head, or the unrotated dimensions of a key head.
    private static void PlantMap(double[] rows, double[]? bias, int width, int d, int first, int source, int unit, Random random)
    {
        var m = d - first;
        var map = new double[m * m];
        for (var r = 0; r < m; r++)
            for (var c = 0; c < m; c++)
                map[r * m + c] = (r == c ? 1 : 0) + 0.5 * Gaussian(random) / Math.Sqrt(m);
        for (var r = 0; r < m; r++)
        {
            for (var x = 0; x < width; x++)
            {
                double sum = 0;
                for (var c = 0; c < m; c++) sum += map[r * m + c] * rows[(source * d + first + c) * width + x];
                rows[(unit * d + first + r) * width + x] = sum;
            }
            if (bias is null) continue;
            double b = 0;
            for (var c = 0; c < m; c++) b += map[r * m + c] * bias[source * d + first + c];
            bias[unit * d + first + r] = b;
        }
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static void Rewrite(string folder, IReadOnlyDictionary<string, double[]> replaced)
    {
        var path = Path.Combine(folder, Checkpoint.SingleFileName);
        var temporary = path + ".new";
        using (var file = SafetensorsFile.Open(path))
        {
            var ordered = file.Tensors.OrderBy(t => t.DataBegin).ToArray();
            using var writer = new SafetensorsWriter(temporary, ordered.Select(TensorDeclaration.Of).ToArray(), file.Metadata);
            foreach (var tensor in ordered)
            {
                if (replaced.TryGetValue(tensor.Name, out var values)) writer.WriteDoubles(values);
                else writer.CopyTensor(file, tensor);
            }
            writer.Complete();
        }
        File.Move(temporary, path, overwrite: true);
    }
}
