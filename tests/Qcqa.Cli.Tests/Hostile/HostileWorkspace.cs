using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Hostile;

/// <summary>
/// The files a hostile-input case starts from: a small valid model (2 layers of 4 heads) in <c>model/</c>, a sharded
/// copy in <c>sharded/</c>, a valid grouping, a valid spec in <c>work/</c>; outputs go to <c>work/out</c>. Each case
/// breaks exactly one thing.
/// </summary>
internal sealed class HostileWorkspace : IDisposable
{
    internal const int Heads = 4;
    private readonly TempFolder _temp = new();

    internal HostileWorkspace()
    {
        SyntheticLlamaCheckpoint.Write(Model, new SyntheticCheckpointOptions { Layers = 2, Heads = Heads, HeadDim = 4, Hidden = 16, Intermediate = 8, Vocab = 16 });
        SyntheticLlamaCheckpoint.Write(Sharded, new SyntheticCheckpointOptions { Layers = 2, Heads = Heads, HeadDim = 4, Hidden = 16, Intermediate = 8, Vocab = 16, Shards = 2 });
        Directory.CreateDirectory(Work);
        GroupingFile.Write(Grouping, ModelGrouping.Uniform("gqa", 2, LayerGrouping.Gqa(Heads, 2)));
        File.WriteAllText(Spec, ValidSpec);
    }

    internal const string ValidSpec = "models:\n  - path: ../model\n    name: tiny\n    variants:\n      - { name: gqa-50, mode: gqa, budget: 0.5, search: { population: 8, generations: 2, seed: 1 } }\n";

    internal string Root => _temp.Path;
    internal string Model => _temp.Combine("model");
    internal string Sharded => _temp.Combine("sharded");
    internal string Work => _temp.Combine("work");
    internal string Out => _temp.Combine("work", "out");
    internal string Grouping => _temp.Combine("work", "grouping.json");
    internal string Spec => _temp.Combine("work", "qcqa.yaml");
    internal string Weights => Path.Combine(Model, Checkpoint.SingleFileName);
    internal string Config => Path.Combine(Model, ModelConfig.FileName);
    internal string Index => Path.Combine(Sharded, ShardIndex.FileName);

    public void Dispose() => _temp.Dispose();

    internal string[] Merge(string? model = null, string? grouping = null, string? output = null)
        => ["merge", model ?? Model, "--grouping", grouping ?? Grouping, "--out", output ?? Out];

    internal string[] Build(params string[] extra) => ["build", Spec, "--out", Out, .. extra];

    internal void WriteSpec(string text) => File.WriteAllText(Spec, text);

    internal void WriteGrouping(string text) => File.WriteAllText(Grouping, text);

    internal void WriteGrouping(byte[] bytes) => File.WriteAllBytes(Grouping, bytes);

    /// <summary>Rewrites config.json of <paramref name="folder"/> (the model by default) after an edit of its JSON.</summary>
    internal void EditConfig(Action<JsonObject> edit, string? folder = null)
    {
        var path = Path.Combine(folder ?? Model, ModelConfig.FileName);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, ModelConfig.Serialize(json));
    }

    /// <summary>Replaces the weights' header text, keeping the data (offsets must still fit it).</summary>
    internal void ReplaceHeader(Func<string, string> edit) => ReplaceHeaderBytes(h => Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(h))));

    internal void ReplaceHeaderBytes(Func<byte[], byte[]> edit)
    {
        var bytes = File.ReadAllBytes(Weights);
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = edit(bytes.AsSpan(8, length).ToArray());
        File.WriteAllBytes(Weights, RawSafetensors.Build(header, bytes[(8 + length)..]));
    }

    /// <summary>Sets element <paramref name="element"/> of a float32 tensor of the model to <paramref name="value"/>.</summary>
    internal void Poison(string tensor, float value, int element = 0)
    {
        long offset;
        using (var file = SafetensorsFile.Open(Weights))
        {
            var info = file.GetTensor(tensor);
            offset = file.DataStart + info.DataBegin + element * 4L;
        }
        using var stream = new FileStream(Weights, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(BitConverter.GetBytes(value));
    }

    internal void EditIndex(Action<JsonObject> edit)
    {
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(Index))!;
        edit(json);
        File.WriteAllText(Index, ModelConfig.Serialize(json));
    }
}
