using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Tests.Shared;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>
/// A synthetic Llama checkpoint whose KV heads inside each planted group differ exactly by the maps an aligned merge
/// absorbs: per rotary pair a complex factor (rotation and scale) on the keys, an invertible d×d map on the values.
/// </summary>
internal static class PlantedCheckpoint
{
    /// <summary>Writes the model (F32 unless asked) and returns the grouping that merges it exactly.</summary>
    internal static ModelGrouping Write(string folder, int[][] groups, bool biases = false, ulong seed = 7)
    {
        var heads = groups.Sum(g => g.Length);
        SyntheticModels.Write(folder, SyntheticModels.Options(biases: biases, heads: heads, seed: seed));
        var random = new Random((int)seed);
        var replaced = new Dictionary<string, double[]>(StringComparer.Ordinal);
        int d, hidden, layers;
        using (var checkpoint = Checkpoint.Open(folder))
        {
            d = checkpoint.Config.HeadDim;
            hidden = checkpoint.Config.HiddenSize;
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
                        var factors = Enumerable.Range(0, d / 2).Select(_ => RotationAndScale(random)).ToArray();
                        PlantKey(key, hidden, d, source, unit, factors);
                        if (keyBias is not null) PlantKey(keyBias, 1, d, source, unit, factors);
                        PlantValue(value, valueBias, hidden, d, source, unit, random);
                    }
                }
                replaced[attention.Key.Name] = key;
                replaced[attention.Value.Name] = value;
                if (keyBias is not null) replaced[attention.KeyBias!.Name] = keyBias;
                if (valueBias is not null) replaced[attention.ValueBias!.Name] = valueBias;
            }
        }
        Rewrite(folder, replaced);
        var grouping = LayerGrouping.FromGroups(heads, groups);
        return ModelGrouping.Uniform(GroupingMode.Custom, layers, grouping);
    }

    private static (double Re, double Im) RotationAndScale(Random random)
    {
        var angle = random.NextDouble() * 2 * Math.PI;
        var scale = 0.5 + random.NextDouble();
        return (scale * Math.Cos(angle), scale * Math.Sin(angle));
    }

    // Unit's key pair i := c_i · source's key pair i (rows i and i + d/2 are its real and imaginary parts).
    private static void PlantKey(double[] rows, int width, int d, int source, int unit, (double Re, double Im)[] factors)
    {
        var half = d / 2;
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

    // Unit's value rows (and bias) := M · source's, M = I + 0.5·N(0, 1/d) (invertible with overwhelming probability).
    private static void PlantValue(double[] rows, double[]? bias, int width, int d, int source, int unit, Random random)
    {
        var map = new double[d * d];
        for (var r = 0; r < d; r++)
            for (var c = 0; c < d; c++)
                map[r * d + c] = (r == c ? 1 : 0) + 0.5 * Gaussian(random) / Math.Sqrt(d);
        for (var r = 0; r < d; r++)
        {
            for (var x = 0; x < width; x++)
            {
                double sum = 0;
                for (var c = 0; c < d; c++) sum += map[r * d + c] * rows[(source * d + c) * width + x];
                rows[(unit * d + r) * width + x] = sum;
            }
            if (bias is null) continue;
            double b = 0;
            for (var c = 0; c < d; c++) b += map[r * d + c] * bias[source * d + c];
            bias[unit * d + r] = b;
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
