using System.Buffers.Binary;
using Qcqa.Core.Checkpoints;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Checkpoints;

public class SafetensorsRoundTripTests
{
    public static TheoryData<SafetensorsDtype> AllDtypes() => new(Enum.GetValues<SafetensorsDtype>());

    [Theory]
    [MemberData(nameof(AllDtypes))]
    public void GivenAnyDtypeWrittenBytesReadBackIdentically(SafetensorsDtype dtype)
    {
        using var folder = new TempFolder();
        var path = folder.Combine("t.safetensors");
        var declarations = new[]
        {
            new TensorDeclaration("a", dtype, [3, 5]),
            new TensorDeclaration("scalar", dtype, []),
            new TensorDeclaration("empty", dtype, [0, 4]),
            new TensorDeclaration("b.weight", dtype, [7]),
        };
        var random = new Random(1);
        var data = declarations.Select(d => { var b = new byte[d.ByteLength]; random.NextBytes(b); return b; }).ToArray();
        using (var writer = new SafetensorsWriter(path, declarations, new Dictionary<string, string> { ["format"] = "pt" }))
        {
            foreach (var bytes in data) writer.WriteBytes(bytes);
            writer.Complete();
        }

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(0, file.DataStart % 8);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(declarations.Select(d => d.Name), file.Tensors.Select(t => t.Name));
        long expectedOffset = 0;
        for (var i = 0; i < declarations.Length; i++)
        {
            var tensor = file.Tensors[i];
            Assert.Equal(dtype, tensor.Dtype);
            Assert.Equal(declarations[i].Shape, tensor.Shape);
            Assert.Equal(expectedOffset, tensor.DataBegin);
            expectedOffset = tensor.DataEnd;
            Assert.Equal(data[i], file.GetBytes(tensor).ToArray());
        }
        Assert.Equal(file.FileLength, file.DataStart + expectedOffset);
    }

    [Theory]
    [InlineData(SafetensorsDtype.F64)]
    [InlineData(SafetensorsDtype.F32)]
    [InlineData(SafetensorsDtype.F16)]
    [InlineData(SafetensorsDtype.BF16)]
    public void GivenFloatValuesWrittenTheTypedReadsReturnTheConvertedValues(SafetensorsDtype dtype)
    {
        using var folder = new TempFolder();
        var path = folder.Combine("t.safetensors");
        var random = new Random(2);
        var values = Enumerable.Range(0, 300).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        using (var writer = new SafetensorsWriter(path, [new TensorDeclaration("x", dtype, [3, 100])]))
        {
            writer.WriteDoubles(values.AsSpan(0, 120));
            writer.WriteDoubles(values.AsSpan(120));
            writer.Complete();
        }
        var expectedBytes = new byte[values.Length * dtype.Size()];
        DtypeConversion.FromDouble(values, dtype, expectedBytes);
        var expected = new double[values.Length];
        DtypeConversion.ToDouble(dtype, expectedBytes, expected);

        using var file = SafetensorsFile.Open(path);
        var tensor = file.GetTensor("x");
        Assert.Equal(expectedBytes, file.GetBytes(tensor).ToArray());
        Assert.Equal(expected, file.ReadAllDoubles(tensor));
        Assert.Equal(expected.Select(v => (float)v), file.ReadAllSingles(tensor));
        var middle = new double[10];
        file.ReadDoubles(tensor, 150, middle);
        Assert.Equal(expected.AsSpan(150, 10).ToArray(), middle);
    }

    [Fact]
    public void TheHeaderIsPaddedWithSpacesToAnEightByteBoundary()
    {
        using var folder = new TempFolder();
        for (var nameLength = 1; nameLength <= 9; nameLength++)
        {
            var path = folder.Combine($"t{nameLength}.safetensors");
            using (var writer = new SafetensorsWriter(path, [new TensorDeclaration(new string('n', nameLength), SafetensorsDtype.U8, [1])]))
            {
                writer.WriteBytes([42]);
                writer.Complete();
            }
            var bytes = File.ReadAllBytes(path);
            var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0, (8 + headerLength) % 8);
            Assert.Equal((byte)'}', bytes.AsSpan(8, headerLength).TrimEnd((byte)' ')[^1]);
            Assert.Equal(42, bytes[^1]);
        }
    }

    [Fact]
    public void CopyingATensorFromAnotherFileStreamsItsBytesUnchanged()
    {
        using var folder = new TempFolder();
        var source = folder.Combine("a.safetensors");
        var random = new Random(3);
        var payload = new byte[9 << 20]; // larger than one copy chunk
        random.NextBytes(payload);
        using (var writer = new SafetensorsWriter(source, [new TensorDeclaration("big", SafetensorsDtype.BF16, [payload.Length / 2])]))
        {
            writer.WriteBytes(payload);
            writer.Complete();
        }
        var target = folder.Combine("b.safetensors");
        using (var input = SafetensorsFile.Open(source))
        using (var writer = new SafetensorsWriter(target, [TensorDeclaration.Of(input.GetTensor("big"))]))
        {
            writer.CopyTensor(input, input.GetTensor("big"));
            writer.Complete();
        }
        Assert.Equal(FolderSnapshot.HashFile(source), FolderSnapshot.HashFile(target));
    }

    [Fact]
    public void GivenTheSameTensorsTheWriterProducesTheSameBytes()
    {
        using var folder = new TempFolder();
        string Write(string name)
        {
            var path = folder.Combine(name);
            using var writer = new SafetensorsWriter(path, [new TensorDeclaration("x", SafetensorsDtype.F32, [2])], new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
            writer.WriteSingles([1f, 2f]);
            writer.Complete();
            return FolderSnapshot.HashFile(path);
        }
        Assert.Equal(Write("one"), Write("two"));
    }

    [Fact]
    public void AWriterDisposedBeforeCompletionDeletesItsPartialFile()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("partial.safetensors");
        using (var writer = new SafetensorsWriter(path, [new TensorDeclaration("x", SafetensorsDtype.F32, [4])]))
        {
            writer.WriteSingles([1f]);
            Assert.Throws<InvalidOperationException>(() => writer.Complete());
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void WritingMoreThanTheCurrentTensorHoldsIsRefused()
    {
        using var stream = new MemoryStream();
        using var writer = new SafetensorsWriter(stream, [new TensorDeclaration("x", SafetensorsDtype.F32, [1]), new TensorDeclaration("y", SafetensorsDtype.F32, [1])]);
        Assert.Throws<InvalidOperationException>(() => writer.WriteSingles([1f, 2f]));
        Assert.Throws<ArgumentException>(() => new SafetensorsWriter(new MemoryStream(), [new TensorDeclaration("x", SafetensorsDtype.F32, [1]), new TensorDeclaration("x", SafetensorsDtype.F32, [1])]));
    }
}
