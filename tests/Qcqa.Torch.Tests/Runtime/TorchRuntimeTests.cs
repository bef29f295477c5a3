using Qcqa.Torch.Native;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Tests.TestSupport;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Runtime;

/// <summary>The runtime loads on this machine and computes correct numbers on the CPU.</summary>
public sealed class TorchRuntimeTests
{
    [Fact]
    public void EnsureInitializedIsIdempotentAndThreadSafe()
    {
        var results = Enumerable.Range(0, 8).AsParallel().Select(_ => TorchRuntime.EnsureInitialized()).ToArray();

        Assert.All(results, r => Assert.Same(results[0], r));
        Assert.Same(results[0], TorchRuntime.Info);
    }

    [LinuxPatchFact]
    public void ThePatchIsUsedExactlyWhenTheSystemLibStdCxxLacksAVersion()
    {
        // The module initializer ran the set-up; on Linux with the patch switched on it compares libstdc++ versions.
        var info = TorchRuntime.Info!;
        Assert.True(info.LibStdCxxPath is not null, "The runtime set-up found no libstdc++ in the process.");

        var provided = SystemLibStdCxx.ProvidedVersions(info.LibStdCxxPath);
        var needsPatch = !provided.Contains("GLIBCXX_3.4.32");

        Assert.Equal(needsPatch, info.UsesPatchedLibrary);
        Assert.Equal(needsPatch ? NativePatchKind.Patch : NativePatchKind.NotNeeded, info.Decision.Kind);
        if (needsPatch)
        {
            // The copy is what the process mapped; the original in the app folder was not modified.
            var maps = File.ReadAllText("/proc/self/maps");
            Assert.Contains(info.PatchedLibraryPath!, maps);
            Assert.Contains("GLIBCXX_3.4.32", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(info.OriginalLibraryPath!)));
        }
    }

    [LinuxFact]
    public void OpenMpThreadsSleepAtBarriersUnlessTheUserChoseOtherwise()
    {
        // The managed environment is the snapshot taken at start-up; the native one is what libgomp read.
        var chosen = Environment.GetEnvironmentVariable(OpenMpWaitPolicy.Variable);

        Assert.Equal(chosen ?? OpenMpWaitPolicy.Default, OpenMpWaitPolicy.NativeValue());
    }

    [Fact]
    public void AMatrixProductGivesTheHandComputedResult()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);

        var c = matmul(a, b).data<float>().ToArray();

        Assert.Equal(new float[] { 19, 22, 43, 50 }, c);
    }

    [Fact]
    public void AutogradGivesTheAnalyticGradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 0.5f, -1, 2 }, requires_grad: true);

        // d/dx Σ x·sin(x) = sin(x) + x·cos(x)
        (x * x.sin()).sum().backward();

        var grad = x.grad!.data<float>().ToArray();
        double[] xs = [0.5, -1, 2];
        for (var i = 0; i < 3; i++) Assert.Equal(Math.Sin(xs[i]) + xs[i] * Math.Cos(xs[i]), grad[i], 5);
    }

    [Fact]
    public void CausalScaledDotProductAttentionMatchesAHandWrittenSoftmax()
    {
        using var scope = NewDisposeScope();
        // [batch 1, heads 1, seq 3, head_dim 2]
        double[,] q = { { 1, 0 }, { 0, 1 }, { 1, 1 } };
        double[,] k = { { 1, 2 }, { -1, 0.5 }, { 0, 1 } };
        double[,] v = { { 1, 0 }, { 0, 2 }, { 3, 1 } };
        Tensor T(double[,] m) => tensor(m.Cast<double>().Select(d => (float)d).ToArray()).reshape(1, 1, 3, 2);

        var output = nn.functional.scaled_dot_product_attention(T(q), T(k), T(v), is_casual: true).data<float>().ToArray();

        for (var i = 0; i < 3; i++)
        {
            var scores = Enumerable.Range(0, i + 1).Select(j => (q[i, 0] * k[j, 0] + q[i, 1] * k[j, 1]) / Math.Sqrt(2)).ToArray();
            var max = scores.Max();
            var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
            var total = weights.Sum();
            for (var d = 0; d < 2; d++)
            {
                var expected = Enumerable.Range(0, i + 1).Sum(j => weights[j] / total * v[j, d]);
                Assert.Equal(expected, output[i * 2 + d], 5);
            }
        }
    }
}
