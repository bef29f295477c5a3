using Qcqa.Torch.FineTuning;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.FineTuning;

/// <summary>The pieces a run is made of: the step count, the learning-rate schedule and the window sampler.</summary>
public sealed class FineTuningScheduleTests
{
    [Theory]
    [InlineData(5, null, 5)]
    [InlineData(null, 1000L, 4)]   // ⌈1000 / 256⌉
    [InlineData(null, 1024L, 4)]
    [InlineData(null, 1L, 1)]
    [InlineData(null, null, FineTuningSettings.DefaultSteps)]
    public void TheStepCountComesFromStepsOrFromTokensRoundedUp(int? steps, long? tokens, int expected)
    {
        var settings = new FineTuningSettings { Steps = steps, Tokens = tokens, BatchTokens = 256, SequenceLength = 64 };

        Assert.Equal(expected, settings.PlannedSteps);
        Assert.Equal(4, settings.WindowsPerStep);
    }

    [Fact]
    public void TheDefaultRecipeWarmsUpForATenthOfTheStepsAndSeesAbout120kTokens()
    {
        var settings = new FineTuningSettings();

        Assert.Equal(3, settings.WarmupSteps);
        Assert.Equal(FineTuningSettings.DefaultSteps * 4096L, settings.PlannedSteps * (long)settings.BatchTokens);
        Assert.Equal(new LearningRateSchedule(1e-3, 0.1, 3, 30), settings.Schedule);
    }

    [Fact]
    public void TheIdentityNamesEverySettingThatChangesTheWeightsAndNothingElse()
    {
        var settings = new FineTuningSettings { Tokens = 5000, BatchTokens = 1024, SequenceLength = 128, Label = "ac-50" };

        Assert.Equal("steps=5;learning_rate=0.001;batch_tokens=1024;sequence_length=128;loss=ce;params=attention;seed=1;" +
            "warmup_fraction=0.1;min_learning_rate_ratio=0.1;weight_decay=0;gradient_clip=1", settings.Identity);
        Assert.Equal(settings.Identity, (settings with { Label = null, Tokens = null, Steps = 5 }).Identity);
        var changed = new[]
        {
            settings with { LearningRate = 0.002 }, settings with { Loss = FineTuningLoss.Distillation }, settings with { Parameters = TrainableParameters.All },
            settings with { Seed = 2 }, settings with { WarmupFraction = 0.2 }, settings with { MinLearningRateRatio = 0 },
            settings with { WeightDecay = 0.1 }, settings with { GradientClip = 0.5 }, settings with { BatchTokens = 2048 },
            settings with { SequenceLength = 256, BatchTokens = 1280 }, settings with { Tokens = 6000 },
        };
        Assert.Equal(changed.Length + 1, changed.Select(c => c.Identity).Append(settings.Identity).Distinct().Count());
    }

    [Fact]
    public void TheLearningRateRisesLinearlyThenFollowsACosineDownToTheMinimumAtTheLastStep()
    {
        var schedule = new LearningRateSchedule(Peak: 2.0, MinRatio: 0.1, WarmupSteps: 4, TotalSteps: 14);
        var rates = Enumerable.Range(0, 14).Select(schedule.At).ToArray();

        Assert.Equal([0.5, 1.0, 1.5, 2.0], rates[..4]);
        Assert.Equal(0.2 + 1.8 * 0.5 * (1 + Math.Cos(Math.PI * 3 / 9)), rates[7], 12);
        Assert.Equal(0.2, rates[^1], 12);
        Assert.Equal(2.0, rates[4]); // the decay starts from the peak at step W
        Assert.All(rates.Skip(4).Zip(rates.Skip(5)), pair => Assert.True(pair.Second < pair.First));
        Assert.Equal(2.0, new LearningRateSchedule(2.0, 0.1, 0, 10).At(0));
    }

    [Fact]
    public void WindowsAreConsecutiveTokensOfTheTextAndTheTargetsAreTheInputsShiftedByOne()
    {
        var text = Enumerable.Range(0, 500).Select(i => (long)(i * 7 % 101)).ToArray();
        var sampler = new TokenWindowSampler(text, windows: 3, sequence: 20, seed: 5);
        var offsets = new TokenWindowSampler(text, 3, 20, 5).NextOffsets();

        using var scope = NewDisposeScope();
        var (inputs, targets) = sampler.Next();

        Assert.Equal(new long[] { 3, 20 }, inputs.shape);
        Assert.Equal(new long[] { 3, 20 }, targets.shape);
        for (var b = 0; b < 3; b++)
        {
            Assert.InRange(offsets[b], 0, text.Length - 21);
            Assert.Equal(text.Skip((int)offsets[b]).Take(20), inputs[b].data<long>().ToArray());
            Assert.Equal(text.Skip((int)offsets[b] + 1).Take(20), targets[b].data<long>().ToArray());
        }
    }

    [Fact]
    public void TheBatchesDependOnTheSeedOnlyNotOnTheKindOfList()
    {
        var text = Enumerable.Range(0, 300).Select(i => (long)i).ToArray();
        var fromArray = new TokenWindowSampler(text, 4, 16, seed: 11);
        var fromList = new TokenWindowSampler(text.ToList(), 4, 16, seed: 11);
        var otherSeed = new TokenWindowSampler(text, 4, 16, seed: 12);

        using var scope = NewDisposeScope();
        for (var step = 0; step < 3; step++)
        {
            var (a, _) = fromArray.Next();
            var (b, _) = fromList.Next();
            var (c, _) = otherSeed.Next();
            Assert.Equal(a.data<long>().ToArray(), b.data<long>().ToArray());
            Assert.NotEqual(a.data<long>().ToArray(), c.data<long>().ToArray());
        }
    }

    [Fact]
    public void ATextShorterThanOneWindowCannotBeSampled()
    {
        var error = Assert.Throws<ArgumentException>(() => new TokenWindowSampler(new long[16], 2, 16, 1));
        Assert.Contains("shorter than one window", error.Message, StringComparison.Ordinal);
        _ = new TokenWindowSampler(new long[17], 2, 16, 1).Next();
    }
}
