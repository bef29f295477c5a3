using System.Text;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Grouping;

/// <summary>
/// A grouping file's <c>mode</c> is a <see cref="GroupingMode"/> read through the positioned JSON reader: every mode
/// round-trips in its one spelling, anything else (including the labels older files used) is QCQA020 at the value.
/// </summary>
public sealed class GroupingFileModeTests
{
    private const string GroupingPath = "/groupings/g.json";

    private static ModelGrouping Parse(string json) => GroupingFile.Parse(Encoding.UTF8.GetBytes(json), GroupingPath, [4]);

    [Theory]
    [InlineData(GroupingMode.Gqa, "gqa")]
    [InlineData(GroupingMode.Mqa, "mqa")]
    [InlineData(GroupingMode.Equal, "equal")]
    [InlineData(GroupingMode.Arbitrary, "arbitrary")]
    [InlineData(GroupingMode.Custom, "custom")]
    public void GivenEveryModeTheFileSpellsItOnceAndReadsItBack(GroupingMode mode, string spelling)
    {
        var json = GroupingFile.ToJson(ModelGrouping.Uniform(mode, 1, LayerGrouping.Gqa(4, 2)));

        Assert.Contains($"\"mode\": \"{spelling}\"", json);
        Assert.Equal(mode, Parse(json).Mode);
    }

    [Fact]
    public void GivenNoModeTheGroupingIsCustom()
        => Assert.Equal(GroupingMode.Custom, Parse("{\"layers\": [{\"groups\": [[0, 1], [2, 3]]}]}").Mode);

    [Theory]
    [InlineData("identity")]
    [InlineData("planted")]
    [InlineData("Equal")]
    public void GivenALabelThatIsNotAModeItIsQcqa020AtTheValueNamingTheModes(string label)
    {
        var error = QcqaAssert.Throws(ErrorCodes.BadGrouping, "must be one of gqa, mqa, equal, arbitrary, custom", GroupingPath,
            () => Parse($"{{\"mode\": \"{label}\", \"layers\": [{{\"groups\": [[0, 1], [2, 3]]}}]}}"));

        Assert.Equal((1, 10), (error.Line, error.Column));
    }

    [Fact]
    public void GivenAnUndefinedModeValueAModelGroupingIsNotMade()
        => Assert.Throws<ArgumentException>(() => ModelGrouping.Uniform((GroupingMode)42, 1, LayerGrouping.Gqa(4, 2)));
}
