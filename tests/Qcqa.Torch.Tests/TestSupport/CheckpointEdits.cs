using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;

namespace Qcqa.Torch.Tests.TestSupport;

/// <summary>Changes to a written model folder, to make the variants the synthetic writer does not produce.</summary>
internal static class CheckpointEdits
{
    /// <summary>Rewrites <c>config.json</c> after <paramref name="edit"/> has changed its JSON.</summary>
    public static void EditConfig(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, ModelConfig.FileName);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, ModelConfig.Serialize(json));
    }

    /// <summary>Rewrites a single-file model's weights without the tensors <paramref name="drop"/> names, plus <paramref name="extra"/> F32 tensors.</summary>
    public static void RewriteWeights(string folder, IReadOnlySet<string> drop, IReadOnlyDictionary<string, float[]>? extra = null)
    {
        var path = Path.Combine(folder, Checkpoint.SingleFileName);
        var temporary = path + ".new";
        using (var file = SafetensorsFile.Open(path))
        {
            var kept = file.Tensors.Where(t => !drop.Contains(t.Name)).ToArray();
            var declarations = kept.Select(TensorDeclaration.Of)
                .Concat((extra ?? new Dictionary<string, float[]>()).Select(e => new TensorDeclaration(e.Key, SafetensorsDtype.F32, [e.Value.Length])))
                .ToArray();
            using var writer = new SafetensorsWriter(temporary, declarations, file.Metadata);
            foreach (var tensor in kept) writer.CopyTensor(file, tensor);
            foreach (var values in (extra ?? new Dictionary<string, float[]>()).Values) writer.WriteSingles(values);
            writer.Complete();
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Rewrites a single-file model with tensor <paramref name="name"/>'s values changed by <paramref name="edit"/> (same shape and dtype).</summary>
    public static void EditTensor(string folder, string name, Action<float[]> edit)
    {
        var path = Path.Combine(folder, Checkpoint.SingleFileName);
        var temporary = path + ".new";
        using (var file = SafetensorsFile.Open(path))
        {
            var ordered = file.Tensors.OrderBy(t => t.DataBegin).ToArray();
            using var writer = new SafetensorsWriter(temporary, ordered.Select(TensorDeclaration.Of).ToArray(), file.Metadata);
            foreach (var tensor in ordered)
            {
                if (tensor.Name != name)
                {
                    writer.CopyTensor(file, tensor);
                    continue;
                }
                var values = file.ReadAllSingles(tensor);
                edit(values);
                writer.WriteSingles(values);
            }
            writer.Complete();
        }
        File.Move(temporary, path, overwrite: true);
    }
}
