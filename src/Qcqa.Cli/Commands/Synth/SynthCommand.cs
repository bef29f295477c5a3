using System.CommandLine;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Synthetic;
using Serilog;

namespace Qcqa.Cli.Commands.Synth;

/// <summary>Writes a synthetic checkpoint.</summary>
internal sealed class SynthCommand(ParseResult parseResult, ILogger log)
{
    internal int Execute(CancellationToken cancellation)
    {
        var folder = parseResult.GetValue(SynthCommandDefinition.FolderArgument)!;
        var heads = parseResult.GetValue(SynthCommandDefinition.HeadsOption);
        var headDim = parseResult.GetValue(SynthCommandDefinition.HeadDimOption);
        var dtypeName = parseResult.GetValue(SynthCommandDefinition.DtypeOption)!;
        if (!SafetensorsDtypes.TryParse(dtypeName.ToUpperInvariant(), out var dtype) || !dtype.IsConvertible())
            throw new QcqaException(ErrorCodes.BadArgument, $"--dtype must be F32, F16 or BF16; got '{dtypeName}'.");
        var kvHeads = parseResult.GetValue(SynthCommandDefinition.KvHeadsOption);
        if (kvHeads is { } kv && heads % kv != 0)
            throw new QcqaException(ErrorCodes.BadArgument, $"--kv-heads ({kv}) must divide --heads ({heads}).");
        if (parseResult.GetValue(SynthCommandDefinition.ClustersOption) is { } clusters && clusters > (kvHeads ?? heads))
            throw new QcqaException(ErrorCodes.BadArgument, $"--clusters ({clusters}) must not exceed the KV heads ({kvHeads ?? heads}).");
        var options = parseResult.GetValue(SynthCommandDefinition.PresetOption) switch
        {
            "llama2-7b" => SyntheticCheckpointOptions.Llama2_7B,
            "llama2-7b-attention" => SyntheticCheckpointOptions.Llama2_7BAttentionOnly,
            _ => new SyntheticCheckpointOptions
            {
                Layers = parseResult.GetValue(SynthCommandDefinition.LayersOption),
                Heads = heads,
                KvHeads = parseResult.GetValue(SynthCommandDefinition.KvHeadsOption),
                HeadDim = headDim,
                Hidden = heads * headDim, // at most 1024 · 1024 (the options' ranges)
                Intermediate = 2 * heads * headDim,
                Vocab = 256,
                Dtype = dtype,
            },
        };
        // A preset's shapes with fewer layers: a 7B layer's costs at a fraction of its disk and time.
        if (parseResult.GetResult(SynthCommandDefinition.LayersOption) is { Implicit: false })
            options = options with { Layers = parseResult.GetValue(SynthCommandDefinition.LayersOption) };
        options = options with
        {
            Clusters = parseResult.GetValue(SynthCommandDefinition.ClustersOption) ?? options.Clusters,
            Seed = parseResult.GetValue(SynthCommandDefinition.SeedOption),
        };
        var written = SyntheticLlamaCheckpoint.WriteNew(folder, options, cancellation);
        log.Information("Wrote {Folder}: {Layers} layers, {Heads} heads of {HeadDim}, {Bytes:N0} bytes of weights",
            Path.GetFullPath(folder), options.Layers, options.Heads, options.HeadDim, written.WeightBytes);
        return 0;
    }
}
