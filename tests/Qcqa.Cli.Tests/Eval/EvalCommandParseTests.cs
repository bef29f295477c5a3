using Qcqa.Cli.Commands.Eval;

namespace Qcqa.Cli.Tests.Eval;

/// <summary>The <c>eval</c> command line parses into the values the command reads, without running anything.</summary>
public sealed class EvalCommandParseTests
{
    [Fact]
    public void GivenEveryOptionEachValueIsParsed()
    {
        var result = QcqaApp.CreateRootCommand().Parse(
            ["eval", "models/small", "--text", "held-out.txt", "--max-tokens", "5000", "--window", "128", "--generate", "32", "--device", "auto", "--json"]);

        Assert.Empty(result.Errors);
        Assert.Equal("models/small", result.GetValue(EvalCommandDefinition.ModelArgument));
        Assert.Equal("held-out.txt", result.GetValue(EvalCommandDefinition.TextOption));
        Assert.Equal(5000, result.GetValue(EvalCommandDefinition.MaxTokensOption));
        Assert.Equal(128, result.GetValue(EvalCommandDefinition.WindowOption));
        Assert.Equal(32, result.GetValue(EvalCommandDefinition.GenerateOption));
        Assert.Equal("auto", result.GetValue(EvalCommandDefinition.DeviceOption));
        Assert.True(result.GetValue(EvalCommandDefinition.JsonOption));
    }

    [Fact]
    public void GivenOnlyTheModelAndTextTheDefaultsAreAllTokensWindow256NoGenerationOnTheCpu()
    {
        var result = QcqaApp.CreateRootCommand().Parse(["eval", "m", "--text", "t.txt"]);

        Assert.Empty(result.Errors);
        Assert.Null(result.GetValue(EvalCommandDefinition.MaxTokensOption));
        Assert.Equal(256, result.GetValue(EvalCommandDefinition.WindowOption));
        Assert.Equal(0, result.GetValue(EvalCommandDefinition.GenerateOption));
        Assert.Equal("cpu", result.GetValue(EvalCommandDefinition.DeviceOption));
        Assert.False(result.GetValue(EvalCommandDefinition.JsonOption));
    }

    [Fact]
    public void WithoutTextItIsAParseError()
    {
        var result = QcqaApp.CreateRootCommand().Parse(["eval", "m"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("--text", StringComparison.Ordinal));
    }

    [Fact]
    public void AWindowThatIsNotANumberIsAParseError()
    {
        var result = QcqaApp.CreateRootCommand().Parse(["eval", "m", "--text", "t.txt", "--window", "wide"]);

        Assert.NotEmpty(result.Errors);
    }
}
