using Qcqa.Torch.Native;
using Xunit;

namespace Qcqa.Torch.Tests.Native;

public sealed class NativePatchDecisionTests
{
    private static readonly string[] Required = ["GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "CXXABI_1.3.13"];

    [Fact]
    public void GivenGcc13LibStdCxxNoPatchIsNeeded()
    {
        var decision = NativePatchDecision.Decide(Required, LibStdCxxVersions.UpTo(32), ["GLIBCXX_3.4.32"]);

        Assert.Equal(NativePatchKind.NotNeeded, decision.Kind);
        Assert.Empty(decision.MissingVersions);
    }

    [Fact]
    public void GivenGcc12LibStdCxxAndARemovableVersionItPatches()
    {
        var decision = NativePatchDecision.Decide(Required, LibStdCxxVersions.UpTo(30), ["GLIBCXX_3.4.32"]);

        Assert.Equal(NativePatchKind.Patch, decision.Kind);
        Assert.Equal(["GLIBCXX_3.4.32"], decision.MissingVersions);
        Assert.Empty(decision.UnfixableVersions);
    }

    [Fact]
    public void GivenAnOlderLibStdCxxMissingAVersionThatRealCodeUsesItGivesUp()
    {
        var decision = NativePatchDecision.Decide(Required, LibStdCxxVersions.UpTo(29), ["GLIBCXX_3.4.32"]);

        Assert.Equal(NativePatchKind.Unfixable, decision.Kind);
        Assert.Equal(["GLIBCXX_3.4.30", "GLIBCXX_3.4.32"], decision.MissingVersions);
        Assert.Equal(["GLIBCXX_3.4.30"], decision.UnfixableVersions);
    }

    [Fact]
    public void GivenALibraryWithoutLibStdCxxRequirementsNoPatchIsNeeded()
    {
        Assert.Equal(NativePatchKind.NotNeeded, NativePatchDecision.Decide([], [], []).Kind);
    }
}
