using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Loading;

/// <summary>Writes weight values into a model's parameters without an intermediate copy of the whole tensor.</summary>
internal static class ParameterWriter
{
    // 64 Mi elements (256 MB of float32) per run: bounds the staging tensor on non-CPU devices and keeps every span
    // far below the 2 GiB a Span can address (a Llama-3 lm_head alone is 2.1 GB).
    internal const long ChunkElements = 1L << 26;

    /// <summary>Fills <paramref name="parameter"/> (contiguous, float32, any device) from <paramref name="source"/>.</summary>
    /// <param name="parameter">The destination, e.g. [out, in] of a projection.</param>
    /// <param name="source">Produces the values in row-major order.</param>
    /// <param name="chunkElements">Elements per run (tests use small runs to cover the offsets).</param>
    public static void Fill(Tensor parameter, WeightSource source, long chunkElements = ChunkElements)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var flat = parameter.view(-1);
        var total = flat.shape[0];
        var onCpu = parameter.device_type == DeviceType.CPU;
        for (long start = 0; start < total; start += chunkElements)
        {
            using var inner = NewDisposeScope();
            var length = Math.Min(chunkElements, total - start);
            var target = flat.narrow(0, start, length);
            if (onCpu)
            {
                // The parameter's own storage: the checkpoint's bytes are converted straight into it.
                source.Read(start, MemoryMarshal.Cast<byte, float>(target.bytes));
                continue;
            }
            var staging = empty(new[] { length }, ScalarType.Float32, CPU);
            source.Read(start, MemoryMarshal.Cast<byte, float>(staging.bytes));
            target.copy_(staging);
        }
    }
}
