using Qcqa.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// One attention layer's projections in float64, with biases as one more input column ("augmented"), which is what
/// the aligned merge works on: a bias is fitted exactly like a weight column whose input is always 1.
/// </summary>
/// <remarks>
/// Shapes: <see cref="Query"/> [H·d, D+1], <see cref="Key"/> and <see cref="Value"/> [U·d, D+1] (U: the layer's KV
/// units, the heads a grouping partitions), <see cref="Output"/> [D, H·d]. A missing bias is a zero column, and every
/// operation of the merge keeps a zero column zero, so a model without biases gets none.
/// </remarks>
public sealed class AttentionMatrices : IDisposable
{
    private AttentionMatrices(Tensor query, Tensor key, Tensor value, Tensor output, IReadOnlyList<int> queryToUnit, int headDim,
        bool queryBias, bool keyBias, bool valueBias, int rotaryDimensions)
    {
        RotaryDimensions = rotaryDimensions;
        Query = query;
        Key = key;
        Value = value;
        Output = output;
        QueryToUnit = queryToUnit;
        HeadDim = headDim;
        HasQueryBias = queryBias;
        HasKeyBias = keyBias;
        HasValueBias = valueBias;
        QueriesOfUnit = Enumerable.Range(0, Units).Select(u => (IReadOnlyList<int>)Enumerable.Range(0, queryToUnit.Count).Where(h => queryToUnit[h] == u).ToArray()).ToArray();
    }

    /// <summary>[H·d, D+1]: <c>q_proj</c> weight and bias.</summary>
    public Tensor Query { get; }

    /// <summary>[U·d, D+1]: <c>k_proj</c> weight and bias.</summary>
    public Tensor Key { get; }

    /// <summary>[U·d, D+1]: <c>v_proj</c> weight and bias.</summary>
    public Tensor Value { get; }

    /// <summary>[D, H·d]: <c>o_proj</c> weight (its bias is not touched by a merge).</summary>
    public Tensor Output { get; }

    /// <summary>For each query head, the KV unit it reads.</summary>
    public IReadOnlyList<int> QueryToUnit { get; }

    /// <summary>For each KV unit, the query heads reading it (ascending).</summary>
    public IReadOnlyList<IReadOnlyList<int>> QueriesOfUnit { get; }

    /// <summary>d.</summary>
    public int HeadDim { get; }

    /// <summary>r: the leading dimensions of each head RoPE rotates (d, or fewer with partial rotary).</summary>
    public int RotaryDimensions { get; }

    /// <summary>D.</summary>
    public int HiddenSize => (int)Output.shape[0];

    /// <summary>H.</summary>
    public int QueryHeads => QueryToUnit.Count;

    /// <summary>U.</summary>
    public int Units => (int)(Key.shape[0] / HeadDim);

    /// <summary>Whether the checkpoint has <c>q_proj.bias</c>.</summary>
    public bool HasQueryBias { get; }

    /// <summary>Whether the checkpoint has <c>k_proj.bias</c>.</summary>
    public bool HasKeyBias { get; }

    /// <summary>Whether the checkpoint has <c>v_proj.bias</c>.</summary>
    public bool HasValueBias { get; }

    /// <summary>Reads layer <paramref name="layer"/> of <paramref name="checkpoint"/> (exact conversion to float64).</summary>
    /// <exception cref="Core.Diagnostics.QcqaException">As <see cref="Checkpoint.Attention"/>.</exception>
    public static AttentionMatrices Read(Checkpoint checkpoint, int layer, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        device ??= CPU;
        var a = checkpoint.Attention(layer);
        var map = checkpoint.Config.LayerMap(layer);
        var d = checkpoint.Config.HeadDim;
        using var scope = NewDisposeScope();
        var query = Augmented(a.Query, a.QueryBias, device);
        var key = Augmented(a.Key, a.KeyBias, device);
        var value = Augmented(a.Value, a.ValueBias, device);
        var output = Matrix(a.Output, device);
        return new AttentionMatrices(query.DetachFromDisposeScope(), key.DetachFromDisposeScope(), value.DetachFromDisposeScope(),
            output.DetachFromDisposeScope(), map.QueryToKv.ToArray(), d, a.QueryBias is not null, a.KeyBias is not null, a.ValueBias is not null,
            checkpoint.Family.RotaryDimensions(checkpoint.Config));
    }

    /// <summary>Wraps tensors (ownership passes to the new object); for tests and in-memory models.</summary>
    /// <param name="query">[H·d, D+1].</param>
    /// <param name="key">[U·d, D+1].</param>
    /// <param name="value">[U·d, D+1].</param>
    /// <param name="output">[D, H·d].</param>
    /// <param name="queryToUnit">The unit each query head reads.</param>
    /// <param name="headDim">d.</param>
    /// <param name="queryBias">Whether the last column of <paramref name="query"/> is a stored bias.</param>
    /// <param name="keyBias">Whether the last column of <paramref name="key"/> is a stored bias.</param>
    /// <param name="valueBias">Whether the last column of <paramref name="value"/> is a stored bias.</param>
    /// <param name="rotaryDimensions">r, the rotated leading dimensions of each head; null for all d.</param>
    public static AttentionMatrices FromTensors(Tensor query, Tensor key, Tensor value, Tensor output, IReadOnlyList<int> queryToUnit, int headDim,
        bool queryBias = false, bool keyBias = false, bool valueBias = false, int? rotaryDimensions = null)
        => new(query, key, value, output, queryToUnit.ToArray(), headDim, queryBias, keyBias, valueBias, rotaryDimensions ?? headDim);

    private static Tensor Matrix(CheckpointTensor tensor, Device device)
    {
        var result = empty(tensor.Shape[0], tensor.Shape[1], ScalarType.Float64, device: device);
        Fill(result, tensor);
        return result;
    }

    // The weight goes straight into the first D columns of the result (no concatenation copy).
    private static Tensor Augmented(ProjectionRows weight, ProjectionRows? bias, Device device)
    {
        var result = empty(weight.Shape[0], weight.Shape[1] + 1, ScalarType.Float64, device: device);
        Fill(result.narrow(1, 0, weight.Shape[1]), weight.Dtype, weight.ReadAllSingles, weight.ReadAllDoubles);
        var column = result.narrow(1, weight.Shape[1], 1);
        if (bias is null) column.zero_();
        else Fill(column, bias.Dtype, bias.ReadAllSingles, bias.ReadAllDoubles);
        return result;
    }

    private static void Fill(Tensor destination, CheckpointTensor source)
        => Fill(destination, source.Dtype, source.ReadAllSingles, source.ReadAllDoubles);

    // 16- and 32-bit floats are read as float32 (exact, half the bytes of float64) and widened by libtorch on the copy,
    // which is exact too; anything else is read as float64.
    private static void Fill(Tensor destination, SafetensorsDtype dtype, Func<float[]> readSingles, Func<double[]> readDoubles)
    {
        using var scope = NewDisposeScope();
        var values = dtype is SafetensorsDtype.F32 or SafetensorsDtype.F16 or SafetensorsDtype.BF16
            ? torch.tensor(readSingles(), ScalarType.Float32)
            : torch.tensor(readDoubles(), ScalarType.Float64);
        destination.copy_(values.view(destination.shape));
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Query.Dispose();
        Key.Dispose();
        Value.Dispose();
        Output.Dispose();
    }
}
