using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Statistics;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Cache;

/// <summary>
/// The content key of a layer (what cached Gram matrices and fronts are keyed by) is computed from the bytes the
/// statistics stage read once; it must be the key of the stored K/V bytes themselves, so caches written before
/// stay valid and a re-saved model still hits.
/// </summary>
public sealed class LayerContentKeyTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheKeyFromTheReadBytesIsTheKeyOfTheStoredTensorsDtypesAndShapes(bool biases)
    {
        var model = SyntheticModels.Write(_folder, SyntheticModels.Options(SafetensorsDtype.BF16, biases: biases, shards: 2));
        using var checkpoint = Checkpoint.Open(model);

        var keys = LayerKvReader.Compute(checkpoint, 2, CacheKeys.LayerContent);

        for (var layer = 0; layer < checkpoint.LayerCount; layer++)
            Assert.Equal(StoredContentKey(checkpoint.Attention(layer)), keys[layer]);
        Assert.Equal(checkpoint.LayerCount, keys.Distinct().Count());
    }

    [Fact]
    public void GivenTheSameWeightsInAnotherFolderTheKeysAreTheSameAndOneChangedByteChangesOneLayersKey()
    {
        var original = SyntheticModels.Write(_folder, SyntheticModels.Options(biases: true), "original");
        var copy = _folder.Combine("copy");
        Directory.CreateDirectory(copy);
        foreach (var source in Directory.GetFiles(original)) File.Copy(source, Path.Combine(copy, Path.GetFileName(source)));

        var before = Keys(original);
        Assert.Equal(before, Keys(copy));

        string file;
        long position;
        using (var checkpoint = Checkpoint.Open(copy))
        {
            var bias = checkpoint.Attention(1).ValueBias!;
            (file, position) = (bias.Tensor.File.Path, bias.Tensor.File.DataStart + bias.Tensor.Info.DataBegin + 2);
        }
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = position;
            var value = stream.ReadByte();
            stream.Position = position;
            stream.WriteByte((byte)(value ^ 0x01));
        }
        var after = Keys(copy);
        Assert.Equal([before[0], before[2]], [after[0], after[2]]);
        Assert.NotEqual(before[1], after[1]);
    }

    private static string[] Keys(string model)
    {
        using var checkpoint = Checkpoint.Open(model);
        return LayerKvReader.Compute(checkpoint, 1, CacheKeys.LayerContent);
    }

    // The scheme as documented on CacheKeys.LayerContent, from the tensors' bytes in the memory mapping.
    private static string StoredContentKey(AttentionTensors attention)
    {
        var builder = new CacheKeyBuilder("kv");
        foreach (var tensor in new[] { attention.Key, attention.Value, attention.KeyBias, attention.ValueBias })
        {
            if (tensor is null)
            {
                builder.Add("absent");
                continue;
            }
            builder.Add(tensor.Dtype.Name()).Add(string.Join("x", tensor.Shape));
            builder.AddHash(ContentHash.Compute(tensor.Tensor.File.GetBytes(tensor.Tensor.Info)));
        }
        return builder.Build().Hash;
    }
}
