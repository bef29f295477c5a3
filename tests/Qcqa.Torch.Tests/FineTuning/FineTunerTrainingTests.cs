using System.Text.RegularExpressions;
using Qcqa.Core.Checkpoints;
using Qcqa.Tests.Shared;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Tests.Evaluation;
using Qcqa.Torch.Tests.Llama;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.FineTuning;

/// <summary>
/// The training loop on tiny synthetic checkpoints: it learns, it is reproducible bit for bit, it trains exactly the
/// tensors it is asked to, and its two losses are the ones documented.
/// </summary>
public sealed partial class FineTunerTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void AFewStepsLowerTheLossOfACompressedCheckpoint()
    {
        using var workspace = new FineTuningWorkspace();
        using var trained = FineTuner.Train(workspace.Map, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick, "cpu");

        var losses = trained.Result.Losses;
        output.WriteLine(string.Join(" ", losses.Select(l => l.ToString("F3"))));
        Assert.Equal(8, losses.Count);
        Assert.True(losses.TakeLast(3).Average() < losses[0] - 1.0, $"the loss went from {losses[0]:F3} to {losses.TakeLast(3).Average():F3} (mean of the last 3 steps)");
    }

    [Fact]
    public void TwoRunsWithTheSameSeedGiveBitIdenticalWeightsAndLosses()
    {
        using var workspace = new FineTuningWorkspace();
        var settings = FineTuningWorkspace.Quick with { Parameters = TrainableParameters.All, Seed = 42 };

        using var first = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, settings, "cpu");
        using var second = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, settings, "cpu");

        Assert.Equal(first.Result.Losses, second.Result.Losses);
        using var scope = NewDisposeScope();
        var a = first.Model.ExportWeights();
        var b = second.Model.ExportWeights();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        Assert.All(a, entry => TensorAssert.Identical(entry.Value, b[entry.Key]));
    }

    [Fact]
    public void ADifferentSeedSeesOtherWindowsAndGivesOtherWeights()
    {
        using var workspace = new FineTuningWorkspace();
        using var first = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick with { Seed = 1 }, "cpu");
        using var second = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick with { Seed = 2 }, "cpu");

        Assert.NotEqual(first.Result.Losses, second.Result.Losses);
        using var scope = NewDisposeScope();
        var a = first.Model.ExportWeights();
        var b = second.Model.ExportWeights();
        Assert.Contains(a, entry => !Same(entry.Value, b[entry.Key]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AttentionOnlyTrainsTheFourProjectionsAndLeavesEveryOtherTensorBitIdentical(bool biases)
    {
        using var workspace = new FineTuningWorkspace(biases: biases);
        using var trained = FineTuner.Train(workspace.Map, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick, "cpu");

        using var scope = NewDisposeScope();
        var before = Weights(workspace.Map);
        var after = trained.Model.ExportWeights();
        var attention = before.Keys.Where(n => AttentionProjection().IsMatch(n)).ToHashSet();
        Assert.Equal(SyntheticModels.Layers * (biases ? 8 : 4), attention.Count); // q, k, v, o weights (+ the synthetic model's four biases)
        Assert.Equal(attention.Order(), trained.TrainedTensors.Order());
        foreach (var (name, value) in before)
        {
            if (attention.Contains(name)) Assert.False(Same(value, after[name]), $"{name} was not trained");
            else TensorAssert.Identical(value, after[name]);
        }
        var expectedCount = attention.Sum(n => before[n].numel());
        Assert.Equal(expectedCount, trained.Result.TrainedParameters);
    }

    [Fact]
    public void AllParametersTrainsEveryTensor()
    {
        using var workspace = new FineTuningWorkspace();
        using var trained = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick with { Parameters = TrainableParameters.All }, "cpu");

        using var scope = NewDisposeScope();
        var before = Weights(workspace.Gqa);
        var after = trained.Model.ExportWeights();
        Assert.Equal(before.Keys.Order(), trained.TrainedTensors.Order());
        Assert.All(before, entry => Assert.False(Same(entry.Value, after[entry.Key]), $"{entry.Key} was not trained"));
    }

    [Fact]
    public void TheFirstStepsLossIsTheMeanCrossEntropyOfTheFirstBatchDrawnFromTheSeed()
    {
        using var workspace = new FineTuningWorkspace();
        var settings = FineTuningWorkspace.Quick with { Steps = 1, Seed = 9 };
        using var trained = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, settings, "cpu");

        using var scope = NewDisposeScope();
        var (inputs, targets) = new TokenWindowSampler(FineTuningWorkspace.Text, settings.WindowsPerStep, settings.SequenceLength, 9).Next();
        using var model = Load(workspace.Gqa);
        using var noGrad = no_grad();
        var logProbabilities = model.forward(inputs).log_softmax(-1);
        var direct = -logProbabilities.gather(2, targets.unsqueeze(-1)).mean().item<float>();

        Assert.Equal(direct, trained.Result.FirstLoss, 5);
    }

    [Fact]
    public void DistillationIsTheKlDivergenceFromTheTeacherAndItFalls()
    {
        using var workspace = new FineTuningWorkspace();
        var settings = FineTuningWorkspace.Quick with { Loss = FineTuningLoss.Distillation, Seed = 4 };
        using var trained = FineTuner.Train(workspace.Map, workspace.Original, FineTuningWorkspace.Text, settings, "cpu");

        using var scope = NewDisposeScope();
        var (inputs, _) = new TokenWindowSampler(FineTuningWorkspace.Text, settings.WindowsPerStep, settings.SequenceLength, 4).Next();
        using var student = Load(workspace.Map);
        using var teacher = Load(workspace.Original);
        using var noGrad = no_grad();
        var p = teacher.forward(inputs).log_softmax(-1);
        var q = student.forward(inputs).log_softmax(-1);
        var direct = (p.exp() * (p - q)).sum(-1).mean().item<float>();

        var losses = trained.Result.Losses;
        output.WriteLine($"direct KL {direct:F5}; losses {string.Join(" ", losses.Select(l => l.ToString("F4")))}");
        Assert.Equal(direct, trained.Result.FirstLoss, 5);
        Assert.True(direct > 0.01, $"the merge should move the model away from its teacher (KL {direct})");
        Assert.True(losses.TakeLast(3).Average() < 0.5 * losses[0], $"KL went from {losses[0]:F4} to {losses.TakeLast(3).Average():F4}");
        Assert.Equal(Path.GetFullPath(workspace.Original), trained.TeacherFolder);
    }

    [Fact]
    public void DistillingTheTeacherFromItselfStartsAtZeroLoss()
    {
        using var workspace = new FineTuningWorkspace();
        var settings = FineTuningWorkspace.Quick with { Loss = FineTuningLoss.Distillation, Steps = 1 };
        using var trained = FineTuner.Train(workspace.Original, workspace.Original, FineTuningWorkspace.Text, settings, "cpu");

        Assert.InRange(trained.Result.FirstLoss, -1e-6, 1e-6);
    }

    [Fact]
    public void ProgressIsReportedAfterEveryStepAndTheResultCountsStepsAndTokens()
    {
        using var workspace = new FineTuningWorkspace();
        var progress = new ListProgress<FineTuningProgress>();
        var settings = FineTuningWorkspace.Quick with { Steps = null, Tokens = 1200 };
        using var trained = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, settings, "cpu", progress);
        var reports = progress.Reports;

        // 1,200 tokens at 256 per step: 5 steps, 1,280 tokens.
        Assert.Equal([1, 2, 3, 4, 5], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(5, r.Steps));
        Assert.All(reports, r => Assert.True(r.TokensPerSecond > 0 && double.IsFinite(r.Loss)));
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        Assert.Equal(reports.Select(r => r.Loss), trained.Result.Losses);
        Assert.Equal(reports.Select(r => r.LearningRate), Enumerable.Range(0, 5).Select(settings.Schedule.At));
        Assert.Equal((5, 1280L), (trained.Result.Steps, trained.Result.Tokens));
        Assert.Equal((reports[0].Loss, reports[^1].Loss), (trained.Result.FirstLoss, trained.Result.LastLoss));
        Assert.Equal("cpu", trained.Result.Device);
        Assert.Contains("step 5/5", reports[^1].ToString(), StringComparison.Ordinal);
    }

    private static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    [GeneratedRegex(@"^model\.layers\.[0-9]+\.self_attn\.[qkvo]_proj\.(weight|bias)$")]
    private static partial Regex AttentionProjection();

    private static LlamaModel Load(string folder)
    {
        using var checkpoint = Checkpoint.Open(folder);
        return CheckpointModelLoader.Load(checkpoint);
    }

    private static Dictionary<string, Tensor> Weights(string folder)
    {
        using var model = Load(folder);
        return model.ExportWeights();
    }
}
