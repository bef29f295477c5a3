using System.Globalization;
using Qcqa.Core.Checkpoints;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Streaming;

/// <summary>
/// A checkpoint's weights, converted to float32 on demand from the file, one decoder layer at a time: what lets a
/// model far larger than memory be evaluated, calibrated and probed (the approach of llama.cpp's memory-mapped
/// evaluation and of GPTQ-style sequential calibration). The embedding is read row by row for the tokens a pass
/// needs; the final norm and the output projection are loaded once, when first used.
/// </summary>
public sealed class CheckpointDecoderWeights : IDecoderWeights
{
    private readonly IReadOnlyDictionary<string, WeightSource> _sources;
    private readonly LlamaDecoderLayer?[] _resident;
    private readonly WeightSource _embedding;
    private nn.Module<Tensor, Tensor>? _finalNorm;
    private Tensor? _head;
    private readonly ScalarType _projectionType;

    internal CheckpointDecoderWeights(LlamaConfig config, IReadOnlyDictionary<string, WeightSource> sources, Device device, bool resident,
        ScalarType projectionType = ScalarType.Float32)
    {
        _projectionType = projectionType;
        TorchRuntime.EnsureInitialized();
        Config = config;
        Device = device;
        Resident = resident;
        _sources = sources;
        _resident = new LlamaDecoderLayer?[config.NumHiddenLayers];
        _embedding = sources["model.embed_tokens.weight"];
    }

    /// <summary>Opens <paramref name="checkpoint"/> (MHA, standard GQA or per-layer map) for layer-streamed passes.</summary>
    /// <param name="checkpoint">The open checkpoint; it must stay open while the weights are used.</param>
    /// <param name="options">Device, residency and layout settings.</param>
    /// <exception cref="Core.Diagnostics.QcqaException">As <see cref="CheckpointModelLoader.Load"/>: every tensor is matched and checked before any is read.</exception>
    public static CheckpointDecoderWeights Open(Checkpoint checkpoint, StreamingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        options ??= new StreamingOptions();
        var config = CheckpointModelLoader.ReadConfig(checkpoint, new CheckpointLoadOptions { IgnoreQcqaBlock = options.IgnoreQcqaBlock });
        return Create(config, CheckpointSources.Map(checkpoint, config), options);
    }

    internal static CheckpointDecoderWeights Create(LlamaConfig config, IReadOnlyDictionary<string, WeightSource> sources, StreamingOptions options)
    {
        var resident = options.Residency switch
        {
            LayerResidency.Resident => true,
            LayerResidency.Streamed => false,
            _ => MemoryPlanner.LayerBytes(config) * config.NumHiddenLayers <= options.ResidentBytes,
        };
        return new CheckpointDecoderWeights(config, sources, options.Device ?? CPU, resident, options.ProjectionType);
    }

    /// <inheritdoc />
    public LlamaConfig Config { get; }

    /// <inheritdoc />
    public Device Device { get; }

    /// <inheritdoc />
    public bool Resident { get; }

    /// <inheritdoc />
    public Tensor Embed(Tensor tokens)
    {
        if (_head is not null && Config.TieWordEmbeddings)
            return _head.index_select(0, tokens.reshape(-1).to(Device)).reshape(tokens.shape[0], tokens.shape[1], Config.HiddenSize);
        using var scope = NewDisposeScope();
        // Only the rows the batch uses: a 128k-token vocabulary's table is 2 GB in float32.
        var ids = tokens.reshape(-1).cpu();
        var (distinct, inverse) = UniqueRows(ids);
        var hidden = Config.HiddenSize;
        var rows = empty(new long[] { distinct.Length, hidden }, ScalarType.Float32, CPU);
        var span = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(rows.bytes);
        for (var i = 0; i < distinct.Length; i++) _embedding.Read(distinct[i] * hidden, span.Slice(i * hidden, hidden));
        var vectors = rows.to(Device).index_select(0, inverse.to(Device));
        return vectors.reshape(tokens.shape[0], tokens.shape[1], hidden).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public LayerLease Layer(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Config.NumHiddenLayers);
        if (_resident[layer] is { } kept) return new LayerLease(kept, owned: false);
        var loaded = Load(layer);
        if (!Resident) return new LayerLease(loaded, owned: true);
        _resident[layer] = loaded;
        return new LayerLease(loaded, owned: false);
    }

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> FinalNorm => _finalNorm ??= LoadFinalNorm();

    /// <inheritdoc />
    public Tensor HeadWeight => _head ??= LoadHead();

    /// <summary>Frees every loaded weight.</summary>
    public void Dispose()
    {
        foreach (var layer in _resident) layer?.Dispose();
        Array.Clear(_resident);
        _finalNorm?.Dispose();
        _head?.Dispose();
        _finalNorm = null;
        _head = null;
    }

    private LlamaDecoderLayer Load(int layer)
    {
        var module = new LlamaDecoderLayer(layer.ToString(CultureInfo.InvariantCulture), Config, layer, Device);
        try
        {
            Fill(module, $"model.layers.{layer.ToString(CultureInfo.InvariantCulture)}.");
            // Only the projections change type: they cast their input and return the input's type, so the rest of the
            // layer (norms, rotary embedding, softmax, residual stream) computes in float32 exactly as before.
            if (_projectionType != ScalarType.Float32)
                foreach (var projection in module.modules().OfType<Projection>()) projection.to(_projectionType);
            return module;
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    private nn.Module<Tensor, Tensor> LoadFinalNorm()
    {
        var norm = Norms.Create("norm", Config, Device);
        Fill(norm, "model.norm.");
        return norm;
    }

    private Tensor LoadHead()
    {
        var source = _sources[Config.TieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"];
        // Owned by these weights, not by whatever dispose scope the first pass that needs it has open.
        var head = empty(new long[] { Config.VocabSize, Config.HiddenSize }, ScalarType.Float32, Device).DetachFromDisposeScope();
        try
        {
            ParameterWriter.Fill(head, source);
            return head;
        }
        catch
        {
            head.Dispose();
            throw;
        }
    }

    private void Fill(nn.Module module, string prefix)
    {
        foreach (var (name, parameter) in module.named_parameters()) ParameterWriter.Fill(parameter, _sources[prefix + name]);
    }

    // The distinct ids of a batch and, for every position, the index of its id among them.
    private static (long[] Distinct, Tensor Inverse) UniqueRows(Tensor ids)
    {
        var values = ids.data<long>().ToArray();
        var index = new Dictionary<long, long>();
        var inverse = new long[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (!index.TryGetValue(values[i], out var at)) index[values[i]] = at = index.Count;
            inverse[i] = at;
        }
        var distinct = new long[index.Count];
        foreach (var (id, at) in index) distinct[at] = id;
        return (distinct, tensor(inverse, ScalarType.Int64));
    }
}
