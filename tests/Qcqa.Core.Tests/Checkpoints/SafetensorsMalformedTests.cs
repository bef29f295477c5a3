using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Checkpoints;

public class SafetensorsMalformedTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _path;

    public SafetensorsMalformedTests() => _path = _folder.Combine("bad.safetensors");

    public void Dispose() => _folder.Dispose();

    private void Expect(string code, string fragment)
        => QcqaAssert.Throws(code, fragment, _path, () => SafetensorsFile.Open(_path).Dispose());

    [Fact]
    public void GivenAFileShorterThanEightBytesItNamesTheFileAndTheProblem()
    {
        File.WriteAllBytes(_path, [1, 2, 3]);
        Expect(ErrorCodes.MalformedSafetensors, "3 bytes long");
    }

    [Fact]
    public void GivenAnEmptyFileItSaysItIsTooShort()
    {
        File.WriteAllBytes(_path, []);
        Expect(ErrorCodes.MalformedSafetensors, "0 bytes long");
    }

    [Fact]
    public void GivenAHeaderLengthPastTheEndOfTheFileItSaysSo()
    {
        RawSafetensors.Write(_path, "{}", [], declaredLength: 1000);
        Expect(ErrorCodes.MalformedSafetensors, "header length field says 1000 bytes");
    }

    [Fact]
    public void GivenAHeaderOverOneHundredMegabytesItIsRefusedBeforeParsing()
    {
        // A sparse file: long enough for the declared header without writing 100 MB.
        RawSafetensors.Write(_path, "{}", [], declaredLength: 150_000_000);
        using (var stream = new FileStream(_path, FileMode.Open)) stream.SetLength(150_000_100);
        Expect(ErrorCodes.MalformedSafetensors, "100 MB limit");
    }

    [Fact]
    public void GivenInvalidJsonItSaysTheHeaderIsNotValidJson()
    {
        RawSafetensors.Write(_path, "{\"t\": {\"dtype\": \"F32\",", []);
        Expect(ErrorCodes.MalformedSafetensors, "not valid JSON");
    }

    [Fact]
    public void GivenAHeaderThatIsNotAnObjectItSaysSo()
    {
        RawSafetensors.Write(_path, "[1, 2]  ", []);
        Expect(ErrorCodes.MalformedSafetensors, "not a JSON object");
    }

    [Fact]
    public void GivenAnUnknownDtypeItNamesTheDtypeAndTheTensor()
    {
        RawSafetensors.Write(_path, RawSafetensors.OneTensor("F12", "[2]", "[0, 3]"), new byte[3]);
        Expect(ErrorCodes.UnsupportedDtype, "Tensor 't' has dtype 'F12'");
    }

    [Fact]
    public void GivenAShapeThatDisagreesWithTheByteLengthItGivesBoth()
    {
        RawSafetensors.Write(_path, RawSafetensors.OneTensor("F32", "[2, 3]", "[0, 20]"), new byte[20]);
        Expect(ErrorCodes.MalformedSafetensors, "needs 24 bytes but data_offsets [0, 20] span 20");
    }

    [Fact]
    public void GivenOverlappingOffsetsItNamesBothTensors()
    {
        const string header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}";
        RawSafetensors.Write(_path, header, new byte[6]);
        Expect(ErrorCodes.MalformedSafetensors, "'a' [0, 4] and 'b' [2, 6] overlap");
    }

    [Fact]
    public void GivenOffsetsPastTheDataSectionItSaysTheFileMayBeTruncated()
    {
        RawSafetensors.Write(_path, RawSafetensors.OneTensor("U8", "[8]", "[4, 12]"), new byte[8]);
        Expect(ErrorCodes.MalformedSafetensors, "reach past the end of the data section");
    }

    [Fact]
    public void GivenATruncatedFileItNamesTheFileAndTheProblem()
    {
        using (var writer = new SafetensorsWriter(_path, [new TensorDeclaration("w", SafetensorsDtype.F32, [64])]))
        {
            writer.WriteSingles(new float[64]);
            writer.Complete();
        }
        using (var stream = new FileStream(_path, FileMode.Open)) stream.SetLength(stream.Length - 10);
        Expect(ErrorCodes.MalformedSafetensors, "truncated");
    }

    [Fact]
    public void GivenBytesThatBelongToNoTensorItReportsTheHole()
    {
        const string header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]}}";
        RawSafetensors.Write(_path, header, new byte[6]);
        Expect(ErrorCodes.MalformedSafetensors, "Bytes [2, 4) of the data section belong to no tensor");
    }

    [Fact]
    public void GivenTrailingBytesAfterTheLastTensorItReportsThem()
    {
        RawSafetensors.Write(_path, RawSafetensors.OneTensor("U8", "[2]", "[0, 2]"), new byte[5]);
        Expect(ErrorCodes.MalformedSafetensors, "cover only 2");
    }

    [Fact]
    public void GivenANegativeDimensionItSaysShapesMustBeNonNegative()
    {
        RawSafetensors.Write(_path, RawSafetensors.OneTensor("U8", "[-2]", "[0, 0]"), []);
        Expect(ErrorCodes.MalformedSafetensors, "non-negative integers, found -2");
    }

    [Fact]
    public void GivenOffsetsThatAreNotAPairItSaysSo()
    {
        RawSafetensors.Write(_path, RawSafetensors.OneTensor("U8", "[2]", "[0, 1, 2]"), new byte[2]);
        Expect(ErrorCodes.MalformedSafetensors, "data_offsets\" must be an array [begin, end]");
    }

    [Fact]
    public void GivenMetadataWithANonStringValueItSaysSo()
    {
        RawSafetensors.Write(_path, "{\"__metadata__\":{\"format\":1}}", []);
        Expect(ErrorCodes.MalformedSafetensors, "'format' must be a string");
    }

    [Fact]
    public void GivenATensorListedTwiceItSaysSo()
    {
        const string header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        RawSafetensors.Write(_path, header, new byte[2]);
        Expect(ErrorCodes.MalformedSafetensors, "lists 'a' more than once");
    }

    [Fact]
    public void GivenAMissingFileItReportsFileNotFound()
    {
        Expect(ErrorCodes.FileNotFound, "does not exist");
    }

    [Fact]
    public void GivenAValidHeaderWithTrailingSpacesItOpens()
    {
        RawSafetensors.Write(_path, RawSafetensors.OneTensor("U8", "[2]", "[0, 2]") + "     ", [7, 9]);
        using var file = SafetensorsFile.Open(_path);
        Assert.Equal([7, 9], file.GetBytes(file.GetTensor("t")).ToArray());
    }

    [Fact]
    public void ReadingAnIntegerTensorAsNumbersIsAnUnsupportedDtype()
    {
        RawSafetensors.Write(_path, RawSafetensors.OneTensor("I32", "[1]", "[0, 4]"), new byte[4]);
        using var file = SafetensorsFile.Open(_path);
        QcqaAssert.Throws(ErrorCodes.UnsupportedDtype, "only F64, F32, F16 and BF16", _path, () => file.ReadAllDoubles(file.GetTensor("t")));
    }
}
