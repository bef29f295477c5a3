using Qcqa.Cli.Infrastructure;
using Qcqa.Cli.Output;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Build;
using Qcqa.Core.Progress;

namespace Qcqa.Cli.Tests.Output;

/// <summary>Which display <c>dotnet qcqa build</c> chooses: the protocol under MSBuild, nothing at -v q, plain lines when redirected, the live line on a terminal.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class BuildProgressDisplayTests : IDisposable
{
    private static readonly BuildProgressEvent MergeDone = BuildProgressEvent.Finished(BuildStages.Merge, "tiny/ac", "written", TimeSpan.FromSeconds(0.25));

    private readonly TextWriter _savedError = Console.Error;
    private readonly StringWriter _error = new();
    private readonly TextWriter _installed; // Console.Error as installed (the console wraps a writer it is given)

    public BuildProgressDisplayTests()
    {
        Console.SetError(_error);
        _installed = Console.Error;
    }

    public void Dispose() => Console.SetError(_savedError);

    [Theory]
    [InlineData("q")]
    [InlineData("n")]
    public void GivenMsBuildTheProtocolCarriesTheProgressWhateverTheToolsVerbosity(string verbosity)
    {
        var output = new StringWriter();

        using (var display = BuildProgressDisplay.For(new EngineProtocolWriter(output), verbosity == "q" ? Verbosity.Quiet : Verbosity.Normal, interactive: true))
        {
            Assert.False(display.IsLive);
            display.Progress!.Report(MergeDone);
        }

        Assert.Equal("progress: " + MergeDone + "\n", output.ToString());
        Assert.Same(_installed, Console.Error);
        Assert.Empty(_error.ToString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GivenQuietVerbosityNothingIsShown(bool interactive)
    {
        using var display = BuildProgressDisplay.For(null, Verbosity.Quiet, interactive);

        Assert.Null(display.Progress);
        Assert.False(display.IsLive);
        Assert.Same(_installed, Console.Error);
    }

    [Fact]
    public void GivenARedirectedStandardErrorFinishedStagesArePlainLinesThere()
    {
        using (var display = BuildProgressDisplay.For(null, Verbosity.Normal, interactive: false))
        {
            Assert.False(display.IsLive);
            display.Progress!.Report(BuildProgressEvent.Started(BuildStages.Merge, "tiny/ac"));
            display.Progress.Report(MergeDone);
        }

        Assert.Equal(MergeDone + Environment.NewLine, _error.ToString());
        Assert.Same(_installed, Console.Error);
    }

    [Fact]
    public void GivenATerminalTheLiveDisplayOwnsStandardErrorUntilDisposed()
    {
        using (var display = BuildProgressDisplay.For(null, Verbosity.Normal, interactive: true))
        {
            Assert.True(display.IsLive);
            Assert.NotSame(_installed, Console.Error);
            display.Progress!.Report(BuildProgressEvent.Started(BuildStages.Merge, "tiny/ac"));
            Console.Error.WriteLine("a log line");
            display.Progress.Report(MergeDone);
        }

        Assert.Same(_installed, Console.Error);
        var text = _error.ToString();
        Assert.Contains("a log line" + Environment.NewLine, text);
        Assert.Contains(MergeDone + Environment.NewLine, text);
        Assert.True(text.IndexOf("a log line", StringComparison.Ordinal) < text.IndexOf(MergeDone.ToString(), StringComparison.Ordinal));
    }
}
