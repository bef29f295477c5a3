using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Tests.Pipeline;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Cache;

/// <summary>
/// What a build remembers of its input model between builds, so a no-op build of a 7B reads none of its weights: the
/// content hash and the scan for non-finite values, both under the folder's path and signature (file names, sizes and
/// modification times), as make and MSBuild decide what is current.
/// </summary>
public sealed class InputMemoTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AModelsContentHashIsRememberedUntilAFilesSizeOrTimeChanges()
    {
        var model = SyntheticModels.Write(_temp.Combine("model"), SyntheticModels.Small);
        var cache = new ContentCache(_temp.Combine("cache"));
        var original = CacheKeys.ModelContent(model);
        Assert.Equal(original, new ModelContents(cache).Of(model));

        // Same size and time, other bytes: only a hash would see it, and a later build does not hash again.
        var weights = Directory.GetFiles(model, "*.safetensors").Single();
        var time = File.GetLastWriteTimeUtc(weights);
        FlipLastByte(weights);
        File.SetLastWriteTimeUtc(weights, time);
        Assert.Equal(original, new ModelContents(cache).Of(model));

        // A new time is a changed file.
        File.SetLastWriteTimeUtc(weights, time.AddSeconds(1));
        var edited = new ModelContents(cache).Of(model);
        Assert.NotEqual(original, edited);
        Assert.Equal(CacheKeys.ModelContent(model), edited);
        // Without a cache, every build hashes.
        File.SetLastWriteTimeUtc(weights, time);
        Assert.Equal(edited, new ModelContents().Of(model));
    }

    [Fact]
    public void ANonFiniteWeightOutsideAttentionIsReportedByEveryBuildWhileTheScanRunsOnce()
    {
        using var fixture = new PipelineFixture();
        var weights = Directory.GetFiles(fixture.Folder.Combine("model"), "*.safetensors").Single();
        WriteNaN(weights, "model.layers.1.mlp.down_proj.weight", element: 5);
        var time = File.GetLastWriteTimeUtc(weights);

        fixture.Build();
        Assert.Single(fixture.Messages, IsTheWarning);

        // Restored to finite with the same size and time: the remembered scan still reports it (it did not scan again).
        WriteValue(weights, "model.layers.1.mlp.down_proj.weight", 5, 0.5f);
        File.SetLastWriteTimeUtc(weights, time);
        fixture.Build();
        Assert.Single(fixture.Messages, IsTheWarning);

        // A changed time: scanned again, and clean.
        File.SetLastWriteTimeUtc(weights, time.AddSeconds(1));
        fixture.Build();
        Assert.DoesNotContain(fixture.Messages, IsTheWarning);
    }

    private static bool IsTheWarning(string message)
        => message.Contains("Tensor 'model.layers.1.mlp.down_proj.weight'", StringComparison.Ordinal) && message.Contains("non-finite value", StringComparison.Ordinal);

    private static void FlipLastByte(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length - 1;
        var b = stream.ReadByte();
        stream.Position = stream.Length - 1;
        stream.WriteByte((byte)(b ^ 0x40));
    }

    private static void WriteNaN(string path, string tensor, int element) => WriteValue(path, tensor, element, float.NaN);

    private static void WriteValue(string path, string tensor, int element, float value)
    {
        long offset;
        using (var file = SafetensorsFile.Open(path))
        {
            var info = file.GetTensor(tensor);
            Assert.Equal(SafetensorsDtype.F32, info.Dtype);
            offset = file.DataStart + info.DataBegin + element * 4L;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(BitConverter.GetBytes(value));
    }
}
