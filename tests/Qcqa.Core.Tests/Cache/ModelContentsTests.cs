using Qcqa.Core.Cache;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Cache;

/// <summary>The build's one hash of each input model, shared by evaluation, calibration and fine-tuning.</summary>
public sealed class ModelContentsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AFolderIsHashedOncePerBuildUnderAnySpellingOfItsPath()
    {
        var model = SyntheticModels.Write(_temp, SyntheticModels.Small);
        var expected = CacheKeys.ModelContent(model);
        var contents = new ModelContents();

        Assert.Equal(expected, contents.Of(model));
        Assert.Equal(expected, contents.Of(Path.Combine(model, ".")));

        // The memo lives for one build: a weight edited meanwhile is seen by the next build, not this one.
        var weights = Directory.GetFiles(model, "*.safetensors").Single();
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(weights, bytes);
        Assert.Equal(expected, contents.Of(model));
        Assert.NotEqual(expected, new ModelContents().Of(model));
    }
}
