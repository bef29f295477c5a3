using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Tests.TestSupport;

/// <summary>Ways to damage a written model's weights, for tests of what the engine rejects.</summary>
internal static class WeightEdits
{
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
