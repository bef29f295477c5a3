using Qcqa.Core.Checkpoints;
using Xunit;

namespace Qcqa.Core.Tests.Merge;

/// <summary>Checks of merged tensors against their inputs, block by block.</summary>
internal static class MergeAssert
{
    /// <summary>Block <paramref name="index"/> of <paramref name="count"/> equal blocks of a flattened tensor.</summary>
    internal static double[] Block(double[] values, int index, int count)
    {
        var length = values.Length / count;
        return values.AsSpan(index * length, length).ToArray();
    }

    /// <summary>Column block <paramref name="index"/> (of <paramref name="count"/>) of every row of a [rows, columns] tensor.</summary>
    internal static double[] ColumnBlock(double[] values, int rows, int index, int count)
    {
        var columns = values.Length / rows;
        var width = columns / count;
        var result = new double[rows * width];
        for (var r = 0; r < rows; r++) values.AsSpan(r * columns + index * width, width).CopyTo(result.AsSpan(r * width));
        return result;
    }

    /// <summary>The mean of some blocks, summed in float64 in the given order and divided once, then stored in <paramref name="dtype"/> and read back.</summary>
    internal static double[] StoredMean(double[] values, IReadOnlyList<int> blocks, int count, SafetensorsDtype dtype)
    {
        var length = values.Length / count;
        var mean = new double[length];
        foreach (var b in blocks)
            for (var e = 0; e < length; e++) mean[e] += values[b * length + e];
        for (var e = 0; e < length; e++) mean[e] /= blocks.Count;
        var bytes = new byte[length * dtype.Size()];
        DtypeConversion.FromDouble(mean, dtype, bytes);
        var stored = new double[length];
        DtypeConversion.ToDouble(dtype, bytes, stored);
        return stored;
    }

    /// <summary>Asserts that two arrays are element-for-element identical (bit-exact doubles).</summary>
    internal static void Identical(double[] expected, double[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
    }
}
