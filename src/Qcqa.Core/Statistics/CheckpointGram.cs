using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Statistics;

/// <summary>
/// Computes a layer's <see cref="GramMatrix"/> from its K/V bytes, converting head slices to float64 a bounded
/// block at a time: every product is taken in float64 from exactly converted values, whatever the stored dtype.
/// </summary>
public static class CheckpointGram
{
    // 256 KB of doubles per slice (all heads together): the H² dot products of a slice then run out of the L2
    // cache. Measured on a Llama-2-7B layer: 8 MB slices took 0.67 s, 256 KB slices 0.18 s. The slicing decides
    // the order of the floating-point sums, so changing it changes the Gram matrices in their last bits.
    private const int SliceElements = 1 << 15;

    /// <summary>A = K Kᵀ + V Vᵀ over the flattened KV heads of layer <paramref name="layer"/>.</summary>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="layer">The layer index.</param>
    /// <param name="includeBiases">
    /// Also add the products of the K/V bias slices when the layer has biases. Merging mean-pools biases like
    /// weights, so with biases included the Gram form gives the error of everything the merge changes; without,
    /// it equals <see cref="Wse.WseCalculator.Direct"/> on the weights alone.
    /// </param>
    /// <returns>The G×G Gram matrix, G being the layer's KV heads.</returns>
    public static GramMatrix Compute(Checkpoint checkpoint, int layer, bool includeBiases = true)
    {
        Preconditions.CheckNotNull(checkpoint);
        return Compute(LayerKvReader.Read(checkpoint, layer), includeBiases);
    }

    /// <summary>A = K Kᵀ + V Vᵀ from a layer's K/V bytes read by <see cref="LayerKvReader"/>.</summary>
    /// <param name="kv">The layer's bytes.</param>
    /// <param name="includeBiases">As for <see cref="Compute(Checkpoint, int, bool)"/>.</param>
    /// <returns>The G×G Gram matrix; bit-identical to <see cref="Compute(Checkpoint, int, bool)"/>.</returns>
    public static GramMatrix Compute(LayerKv kv, bool includeBiases = true)
    {
        Preconditions.CheckNotNull(kv);
        var heads = kv.Heads;
        var accumulator = new GramAccumulator(heads);
        var headLength = kv.HeadElements;
        var slice = (int)Math.Clamp(SliceElements / heads, 1, headLength);
        var buffer = new double[(long)slice * heads];

        AddWeight(accumulator, kv.Attention.Key.Dtype, kv.Key, heads, headLength, slice, buffer);
        AddWeight(accumulator, kv.Attention.Value.Dtype, kv.Value, heads, headLength, slice, buffer);
        if (includeBiases)
        {
            // A bias [G·d] is already laid out head after head, which is the segment layout AddSegments expects.
            if (kv.Attention.KeyBias is { } keyBias) accumulator.AddSegments(ToDoubles(keyBias.Dtype, kv.KeyBias));
            if (kv.Attention.ValueBias is { } valueBias) accumulator.AddSegments(ToDoubles(valueBias.Dtype, kv.ValueBias));
        }
        return accumulator.Build();
    }

    private static void AddWeight(GramAccumulator accumulator, SafetensorsDtype dtype, ReadOnlySpan<byte> bytes, int heads, long headLength, int slice, double[] buffer)
    {
        var size = dtype.Size();
        for (long start = 0; start < headLength; start += slice)
        {
            var length = (int)Math.Min(slice, headLength - start);
            for (var h = 0; h < heads; h++)
                DtypeConversion.ToDouble(dtype, bytes.Slice(checked((int)((h * headLength + start) * size)), length * size), buffer.AsSpan(h * length, length));
            accumulator.AddSegments(buffer.AsSpan(0, heads * length));
        }
    }

    private static double[] ToDoubles(SafetensorsDtype dtype, ReadOnlySpan<byte> bytes)
    {
        var values = new double[bytes.Length / dtype.Size()];
        DtypeConversion.ToDouble(dtype, bytes, values);
        return values;
    }
}
