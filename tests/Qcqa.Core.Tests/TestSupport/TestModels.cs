using Qcqa.Core.Checkpoints;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.TestSupport;

/// <summary>Small synthetic checkpoints and ways to damage them.</summary>
internal static class TestModels
{
    /// <summary>Writes a small synthetic model into <c>folder/name</c> and returns the folder.</summary>
    public static string Write(TempFolder folder, SyntheticCheckpointOptions options, string name = "model")
    {
        var path = folder.Combine(name);
        SyntheticLlamaCheckpoint.Write(path, options);
        return path;
    }

    /// <summary>
    /// Rewrites one weight file of a model folder: <paramref name="change"/> returns the new declaration for a tensor
    /// (same byte length, or the data is padded/truncated with zeros) or null to drop it.
    /// </summary>
    public static void RewriteWeights(string file, Func<TensorInfo, TensorDeclaration?> change)
    {
        var temporary = file + ".rewrite";
        using (var source = SafetensorsFile.Open(file))
        {
            var kept = source.Tensors.Select(t => (Source: t, Target: change(t))).Where(p => p.Target is not null).ToArray();
            using var writer = new SafetensorsWriter(temporary, kept.Select(p => p.Target!).ToArray(), source.Metadata);
            foreach (var (from, to) in kept)
            {
                var bytes = new byte[to!.ByteLength];
                var n = (int)Math.Min(bytes.Length, from.ByteLength);
                source.CopyBytes(from, 0, bytes.AsSpan(0, n));
                writer.WriteBytes(bytes);
            }
            writer.Complete();
        }
        File.Move(temporary, file, overwrite: true);
    }
}
