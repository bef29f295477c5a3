using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Tests.Evaluation;
using Qcqa.Torch.Tests.TestSupport;

namespace Qcqa.Torch.Tests.FineTuning;

/// <summary>
/// What goes wrong is reported as a user error that names the setting, the step or the file, before anything
/// expensive where possible, and a failed or cancelled run writes nothing.
/// </summary>
public sealed class FineTuningErrorTests
{
    [Fact]
    public void AHugeLearningRateDivergesWithAnErrorNamingTheVariantAndTheStepAndWritesNothing()
    {
        using var workspace = new FineTuningWorkspace();
        var before = Entries(workspace.Folder);

        var error = Assert.Throws<QcqaException>(() => FineTuner.TrainAndWrite(workspace.Gqa, null, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick with { LearningRate = 1e30, Parameters = TrainableParameters.All }, "cpu", workspace.Combine("tuned")));

        Assert.Equal(ErrorCodes.FineTuningDiverged, error.Code);
        Assert.Matches(@"^Fine-tuning 'test-variant' diverged at step [2-8] of 8: the (loss|gradient norm) became (NaN|\+infinity)", error.Message);
        Assert.Equal(before, Entries(workspace.Folder));
    }

    [Fact]
    public void APoisonedWeightOutsideAttentionDivergesAtTheFirstStep()
    {
        using var workspace = new FineTuningWorkspace();
        CheckpointEdits.EditTensor(workspace.Map, "model.layers.1.mlp.down_proj.weight", values => values[7] = float.NaN);
        var before = Entries(workspace.Folder);

        var error = Assert.Throws<QcqaException>(() => FineTuner.TrainAndWrite(workspace.Map, null, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick with { Label = null }, "cpu", workspace.Combine("tuned")));

        Assert.Equal(ErrorCodes.FineTuningDiverged, error.Code);
        Assert.StartsWith("Fine-tuning diverged at step 1 of 8: the loss became NaN", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Entries(workspace.Folder));
    }

    [Fact]
    public void CancellingBetweenStepsStopsTheRunAndWritesNothing()
    {
        using var workspace = new FineTuningWorkspace();
        using var cancellation = new CancellationTokenSource();
        var progress = new ListProgress<FineTuningProgress>(p => { if (p.Step == 2) cancellation.Cancel(); });
        var before = Entries(workspace.Folder);

        Assert.ThrowsAny<OperationCanceledException>(() => FineTuner.TrainAndWrite(workspace.Gqa, null, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick, "cpu", workspace.Combine("tuned"), progress: progress, cancellation: cancellation.Token));

        Assert.Equal([1, 2], progress.Reports.Select(r => r.Step));
        Assert.Equal(before, Entries(workspace.Folder));
    }

    [Fact]
    public void CancellingWhileWritingLeavesNothing()
    {
        using var workspace = new FineTuningWorkspace(shards: 3);
        using var trained = FineTuner.Train(workspace.Map, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick with { Steps = 1 }, "cpu");
        using var cancellation = new CancellationTokenSource();
        var options = new FineTunedWriteOptions { BeforeTensor = name => { if (name.Contains("layers.1.", StringComparison.Ordinal)) cancellation.Cancel(); } };
        var before = Entries(workspace.Folder);

        Assert.ThrowsAny<OperationCanceledException>(() => FineTunedCheckpointWriter.Write(trained, workspace.Combine("out", "tuned"), options, cancellation.Token));

        Assert.Equal(before, Entries(workspace.Folder));
    }

    public static TheoryData<FineTuningSettings, string> BadSettings => new()
    {
        { new FineTuningSettings { Steps = 10, Tokens = 1000 }, "Steps (10) and Tokens (1000) are both set" },
        { new FineTuningSettings { Steps = 0 }, "Steps must be at least 1 (got 0)" },
        { new FineTuningSettings { Tokens = -5 }, "Tokens must be at least 1 (got -5)" },
        { new FineTuningSettings { LearningRate = double.NaN }, "LearningRate must be a positive number (got NaN)" },
        { new FineTuningSettings { LearningRate = 0 }, "LearningRate must be a positive number (got 0)" },
        { new FineTuningSettings { SequenceLength = 0 }, "SequenceLength must be at least 1 (got 0)" },
        { new FineTuningSettings { BatchTokens = 1000, SequenceLength = 256 }, "BatchTokens (1000) must be a positive multiple of SequenceLength (256)" },
        { new FineTuningSettings { BatchTokens = 128, SequenceLength = 256 }, "BatchTokens (128) must be a positive multiple of SequenceLength (256)" },
        { new FineTuningSettings { Loss = (FineTuningLoss)7 }, "Loss 7 is not a known loss" },
        { new FineTuningSettings { Parameters = (TrainableParameters)9 }, "Parameters 9 is not a known choice" },
        { new FineTuningSettings { WarmupFraction = 1 }, "WarmupFraction must be in [0, 1) (got 1)" },
        { new FineTuningSettings { MinLearningRateRatio = -0.1 }, "MinLearningRateRatio must be in [0, 1] (got -0.1)" },
        { new FineTuningSettings { WeightDecay = double.PositiveInfinity }, "WeightDecay must be a non-negative number (got Infinity)" },
        { new FineTuningSettings { GradientClip = 0 }, "GradientClip must be a positive number (got 0)" },
        { new FineTuningSettings { Tokens = long.MaxValue, BatchTokens = 256 }, "needs more than 2147483647 steps" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void BadSettingsAreRefusedWithAMessageNamingTheSetting(FineTuningSettings settings, string expected)
    {
        var error = Assert.Throws<QcqaException>(settings.Validate);

        Assert.Equal(ErrorCodes.BadArgument, error.Code);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Fine-tuning: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultsAreValidAndTheLabelStartsTheMessages()
    {
        new FineTuningSettings().Validate();
        var error = Assert.Throws<QcqaException>(new FineTuningSettings { Label = "ac-50", Steps = 0 }.Validate);
        Assert.StartsWith("Fine-tuning 'ac-50': Steps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATextShorterThanOneWindowIsRefusedBeforeTheWeightsAreRead()
    {
        using var workspace = new FineTuningWorkspace();
        var text = FineTuningWorkspace.Text.Take(32).ToArray();

        var error = Assert.Throws<QcqaException>(() => FineTuner.Train(workspace.Gqa, null, text, FineTuningWorkspace.Quick, "cpu"));

        Assert.Equal(ErrorCodes.BadFineTuningInput, error.Code);
        Assert.Contains("the text gives 32 token(s), shorter than one window of SequenceLength + 1 = 33 tokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATokenOutsideTheVocabularyIsRefused()
    {
        using var workspace = new FineTuningWorkspace();
        var text = FineTuningWorkspace.Text.ToArray();
        text[100] = FineTuningWorkspace.Vocab;

        var error = Assert.Throws<QcqaException>(() => FineTuner.Train(workspace.Gqa, null, text, FineTuningWorkspace.Quick, "cpu"));

        Assert.Equal(ErrorCodes.BadFineTuningInput, error.Code);
        Assert.Contains("token 100 of the text has id 64, outside the model's vocabulary [0, 64)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWindowLongerThanTheModelsContextIsRefused()
    {
        using var workspace = new FineTuningWorkspace();

        var error = Assert.Throws<QcqaException>(() => FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick with { SequenceLength = 4096, BatchTokens = 4096 }, "cpu"));

        Assert.Equal(ErrorCodes.BadArgument, error.Code);
        Assert.Contains("SequenceLength (4096) exceeds the model's max_position_embeddings (2048)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DistillationWithoutATeacherIsRefused()
    {
        using var workspace = new FineTuningWorkspace();

        var error = Assert.Throws<QcqaException>(() => FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick with { Loss = FineTuningLoss.Distillation }, "cpu"));

        Assert.Equal(ErrorCodes.BadArgument, error.Code);
        Assert.Contains("distillation needs the original model as teacher", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATeacherWithAnotherVocabularyIsRefusedNamingItsConfig()
    {
        using var workspace = new FineTuningWorkspace();
        var teacher = SyntheticModels.Write(workspace.Combine("other"), SyntheticModels.Options(vocab: 80));

        var error = Assert.Throws<QcqaException>(() => FineTuner.Train(workspace.Gqa, teacher, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick with { Loss = FineTuningLoss.Distillation }, "cpu"));

        Assert.Equal(ErrorCodes.BadFineTuningInput, error.Code);
        Assert.Contains("the teacher's vocab_size (80) differs from the model's (64)", error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(Path.GetFullPath(teacher), ModelConfig.FileName), error.File);
    }

    [Fact]
    public void AnUnavailableDeviceIsARuntimeError()
    {
        using var workspace = new FineTuningWorkspace();

        // No machine has a hundred GPUs: QCQA060 whether or not CUDA is present.
        var error = Assert.Throws<QcqaException>(() => FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick, "cuda:99"));

        Assert.Equal(ErrorCodes.RuntimeUnavailable, error.Code);
    }

    [Fact]
    public void AModelOutsideTheLlamaFamilyIsRefusedBeforeTrainingNamingItsFamily()
    {
        using var workspace = new FineTuningWorkspace();
        var neox = FamilyFixtures.WriteGptNeox(workspace.Combine("neox"), new FamilyFixtureOptions { Heads = 4, HeadDim = 8, Vocab = FineTuningWorkspace.Vocab });
        var before = Entries(workspace.Folder);

        var error = Assert.Throws<QcqaException>(() => FineTuner.TrainAndWrite(neox, null, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick, "cpu", workspace.Combine("tuned")));

        Assert.Equal(ErrorCodes.BadFineTuningInput, error.Code);
        Assert.Contains("Llama-family checkpoints only; this is a gpt_neox checkpoint", error.Message);
        Assert.Equal(Path.Combine(neox, "config.json"), error.File);
        Assert.Equal(before, Entries(workspace.Folder));
    }

    private static string[] Entries(string folder)
        => Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
}
