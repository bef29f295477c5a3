using Qcqa.Cli.Commands.Generate;

namespace Qcqa.Cli.Tests.Generate;

/// <summary>The <c>generate</c> command line parses into the values the command reads, without running anything.</summary>
public sealed class GenerateCommandParseTests
{
    [Fact]
    public void GivenEveryOptionEachValueIsParsed()
    {
        var result = QcqaApp.CreateRootCommand().Parse(
            ["generate", "models/small", "--prompt", "In the beginning", "--max-new-tokens", "12", "--temperature", "0.7", "--seed", "42", "--device", "auto"]);

        Assert.Empty(result.Errors);
        Assert.Equal("models/small", result.GetValue(GenerateCommandDefinition.ModelArgument));
        Assert.Equal("In the beginning", result.GetValue(GenerateCommandDefinition.PromptOption));
        Assert.Equal(12, result.GetValue(GenerateCommandDefinition.MaxNewTokensOption));
        Assert.Equal(0.7, result.GetValue(GenerateCommandDefinition.TemperatureOption));
        Assert.Equal(42L, result.GetValue(GenerateCommandDefinition.SeedOption));
        Assert.Equal("auto", result.GetValue(GenerateCommandDefinition.DeviceOption));
    }

    [Fact]
    public void GivenOnlyModelAndPromptItIsGreedyFor64TokensOnTheCpuWithoutSeed()
    {
        var result = QcqaApp.CreateRootCommand().Parse(["generate", "m", "-p", "x"]);

        Assert.Empty(result.Errors);
        Assert.Equal(GenerateCommandDefinition.DefaultMaxNewTokens, result.GetValue(GenerateCommandDefinition.MaxNewTokensOption));
        Assert.Equal(0.0, result.GetValue(GenerateCommandDefinition.TemperatureOption));
        Assert.Null(result.GetValue(GenerateCommandDefinition.SeedOption));
        Assert.Equal("cpu", result.GetValue(GenerateCommandDefinition.DeviceOption));
    }

    [Fact]
    public void WithoutAPromptItIsAParseError()
    {
        var result = QcqaApp.CreateRootCommand().Parse(["generate", "m"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("--prompt", StringComparison.Ordinal));
    }

    [Fact]
    public void ATemperatureThatIsNotANumberIsAParseError()
    {
        var result = QcqaApp.CreateRootCommand().Parse(["generate", "m", "-p", "x", "--temperature", "warm"]);

        Assert.NotEmpty(result.Errors);
    }
}
