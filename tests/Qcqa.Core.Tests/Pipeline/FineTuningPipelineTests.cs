using Qcqa.Build;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Merge;
using Qcqa.Core.Pipeline;
using Qcqa.Core.Tests.Pipeline.Fakes;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Pipeline;

/// <summary>
/// The build's fine-tuning stage (with <see cref="FakeFineTuner"/>, no libtorch): a variant with a <c>finetune</c>
/// mapping is merged into the cache and trained into its own folder, with a stamp that makes a second build a no-op
/// and an edited recipe retrain that variant alone; failures leave the output as it was.
/// </summary>
public sealed class FineTuningPipelineTests : IDisposable
{
    // Three variants of the same grouping: the tuned ones start from the same merged checkpoint as the plain one.
    private const string Spec = """
        models:
          - name: tiny
            path: model
            variants:
              - name: plain
                mode: equal
                budget: 0.5
              - name: tuned-a
                mode: equal
                budget: 0.5
                finetune: { text: train.txt, steps: 3, learning_rate: 0.5 }
              - name: tuned-b
                mode: equal
                budget: 0.5
                finetune: { text: train.txt, steps: 3, learning_rate: 0.25 }
        defaults: { merge: mean }
        """;

    private const int TunedAFineTuneLine = 11;

    private readonly PipelineFixture _fixture = new(Spec);
    private readonly FakeFineTuner _fineTuner = new();

    public FineTuningPipelineTests() => File.WriteAllText(_fixture.Folder.Combine("train.txt"), "Some text from the training split of the data.");

    public void Dispose() => _fixture.Dispose();

    private BuildServices Services => new() { FineTuner = _fineTuner };

    private string VariantFolder(string variant) => Path.Combine(_fixture.Output, "tiny", variant);

    [Fact]
    public void GivenAFinetuneVariantItsFolderHoldsTheTrainedWeightsInTheMergedFormWithABuildStamp()
    {
        var result = _fixture.Build(Services);

        Assert.Equal(["tiny/tuned-a", "tiny/tuned-b"], _fineTuner.Trained);
        // Training (the fake's: o_proj of layer 0 times 1 + learning rate) starts from the same merge as the plain sibling.
        AssertTrainedFrom(VariantFolder("plain"), VariantFolder("tuned-a"), 0.5);
        AssertTrainedFrom(VariantFolder("plain"), VariantFolder("tuned-b"), 0.25);
        Assert.Equal(FileNames(VariantFolder("plain")), FileNames(VariantFolder("tuned-a")));
        Assert.True(File.Exists(Path.Combine(VariantFolder("tuned-a"), BuildStamp.FileName)));
        QcqaAssert.IsCheckpoint(_fixture.Output, "tiny", "tuned-a");
        var rows = result.Rows.Where(r => !r.IsOriginal).ToDictionary(r => r.Variant);
        Assert.True(rows["tuned-a"].Recipe!.FineTuned);
        Assert.False(rows["plain"].Recipe!.FineTuned);
        Assert.All(rows.Values, r => Assert.True(r.Rebuilt));
        var deps = EngineContract.DependencyFile.Read(_fixture.Folder.Combine("qcqa.deps"))!.Value;
        Assert.Contains(_fixture.Folder.Combine("train.txt"), deps.Inputs);
        Assert.Contains(Path.Combine(VariantFolder("tuned-a"), Checkpoint.SingleFileName), deps.Outputs);
    }

    [Fact]
    public void GivenAFineTuningThatCannotFitTheMemoryLimitTheBuildStopsBeforeAnyWorkNamingTheVariant()
    {
        _fineTuner.EndToEndBytes = 100_000_000_000;

        var error = Assert.Throws<QcqaException>(() => _fixture.Build(Services, memoryLimit: 6_000_000_000));

        Assert.Equal(ErrorCodes.InsufficientMemory, error.Code);
        Assert.Contains("Fine-tuning 'tiny/tuned-a' (end-to-end) needs about 100.0 GB", error.Message);
        Assert.Contains("the memory limit is 6.0 GB", error.Message);
        Assert.Empty(_fineTuner.Trained);
        Assert.False(Directory.Exists(_fixture.Output) && Directory.EnumerateFileSystemEntries(_fixture.Output).Any());
    }

    [Fact]
    public void GivenAutoTheResolvedModeRunsAndAChangeOfModeRetrainsTheVariant()
    {
        _fixture.Build(Services);
        Assert.Equal([FineTuneMode.EndToEnd, FineTuneMode.EndToEnd], _fineTuner.Modes);
        _fineTuner.Reset();
        _fineTuner.Modes.Clear();

        // A lower limit turns 'auto' layer-wise: the end-to-end result must not be reused.
        _fineTuner.AutoMode = FineTuneMode.LayerWise;
        _fixture.Build(Services);

        Assert.Equal(["tiny/tuned-a", "tiny/tuned-b"], _fineTuner.Trained);
        Assert.Equal([FineTuneMode.LayerWise, FineTuneMode.LayerWise], _fineTuner.Modes);
        _fineTuner.Reset();
        _fixture.Build(Services);
        Assert.Empty(_fineTuner.Trained);
    }

    [Fact]
    public void GivenAFinetuneVariantTheMergedCheckpointItStartsFromIsKeptInTheCacheNotInTheOutput()
    {
        _fixture.Build(Services);

        Assert.Equal(["tiny"], Directory.GetDirectories(_fixture.Output).Select(Path.GetFileName));
        Assert.Equal(["plain", "tuned-a", "tuned-b"], Directory.GetDirectories(Path.Combine(_fixture.Output, "tiny")).Select(Path.GetFileName).Order());
        var merged = Directory.GetFiles(_fixture.Folder.Combine("cache", "merged"), MergeStage.GroupingFileName, SearchOption.AllDirectories)
            .Select(Path.GetDirectoryName).ToArray();
        // Both tuned variants have the grouping of the plain one: one merged checkpoint, the same bytes as the plain merge.
        var folder = Assert.Single(merged)!;
        Assert.Equal(FolderSnapshot.HashFile(Path.Combine(VariantFolder("plain"), Checkpoint.SingleFileName)),
            FolderSnapshot.HashFile(Path.Combine(folder, Checkpoint.SingleFileName)));
    }

    [Fact]
    public void GivenNothingChangedASecondBuildTrainsNothingAndLeavesEveryFileAsItWas()
    {
        _fixture.Build(Services);
        var before = FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny"));
        _fineTuner.Reset();

        var result = _fixture.Build(Services);

        Assert.Empty(_fineTuner.Trained);
        Assert.Empty(FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny")).ChangedSince(before));
        Assert.All(result.Rows, r => Assert.False(r.Rebuilt));
    }

    [Fact]
    public void GivenOneVariantsLearningRateEditedOnlyThatVariantIsTrainedAgain()
    {
        _fixture.Build(Services);
        var before = FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny"));
        _fineTuner.Reset();

        _fixture.WriteSpec(Spec.Replace("learning_rate: 0.5", "learning_rate: 0.125"));
        var result = _fixture.Build(Services);

        Assert.Equal(["tiny/tuned-a"], _fineTuner.Trained);
        var changed = FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny")).ChangedSince(before);
        Assert.NotEmpty(changed);
        Assert.All(changed, path => Assert.StartsWith("tuned-a/", path));
        Assert.Equal(["tuned-a"], result.Rows.Where(r => r.Rebuilt).Select(r => r.Variant));
        AssertTrainedFrom(VariantFolder("plain"), VariantFolder("tuned-a"), 0.125);
    }

    [Fact]
    public void GivenTheTrainingTextsContentChangedEveryTunedVariantIsTrainedAgainAndThePlainOneIsNot()
    {
        _fixture.Build(Services);
        var before = FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny"));
        _fineTuner.Reset();

        File.AppendAllText(_fixture.Folder.Combine("train.txt"), " And a second sentence.");
        var result = _fixture.Build(Services);

        Assert.Equal(["tiny/tuned-a", "tiny/tuned-b"], _fineTuner.Trained);
        Assert.Equal(["tuned-a", "tuned-b"], result.Rows.Where(r => r.Rebuilt).Select(r => r.Variant));
        Assert.DoesNotContain(FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny")).ChangedSince(before), p => p.StartsWith("plain/", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenEvaluationATunedVariantIsEvaluatedOnItsTrainedWeightsOnceAndAgainOnlyWhenRetrained()
    {
        _fixture.WriteSpec(Spec + "\nevaluation: { text: held.txt }\n");
        File.WriteAllText(_fixture.Folder.Combine("held.txt"), "In the beginning was the word.");
        var evaluator = new CountingEvaluator();
        var services = Services with { Evaluator = evaluator };

        _fixture.Build(services);
        var afterFirst = evaluator.Evaluated.Count;
        _fixture.Build(services);
        var afterNoOp = evaluator.Evaluated.Count;
        _fixture.WriteSpec(Spec.Replace("learning_rate: 0.5", "learning_rate: 0.125") + "\nevaluation: { text: held.txt }\n");
        _fixture.Build(services);

        Assert.Equal(["model", "plain", "tuned-a", "tuned-b"], evaluator.Evaluated.Take(afterFirst));
        Assert.Equal(afterFirst, afterNoOp);
        Assert.Equal(["tuned-a"], evaluator.Evaluated.Skip(afterNoOp));
    }

    [Fact]
    public void GivenACalibratedAlignedVariantANewCalibrationTextRetrainsItFromTheNewMerge()
    {
        // The whole recovery chain: calibration → aligned fitness and measured costs → aligned merge → fine-tuning.
        _fixture.WriteSpec("""
            calibration: { text: calib.txt }
            models:
              - name: tiny
                path: model
                variants:
                  - name: tuned
                    mode: equal
                    budget: 0.5
                    finetune: { text: train.txt, steps: 2, learning_rate: 0.5 }
            """);
        File.WriteAllText(_fixture.Folder.Combine("calib.txt"), "A calibration text from the training split.");
        var services = Services with { Calibrator = new FakeCalibrator(), Alignment = new FakeAlignmentEngine() };
        _fixture.Build(services);
        var first = FolderSnapshot.HashFile(Path.Combine(VariantFolder("tuned"), Checkpoint.SingleFileName));
        _fineTuner.Reset();

        // A longer text: more calibration tokens, so the (fake) aligned merge writes other key weights.
        File.WriteAllText(_fixture.Folder.Combine("calib.txt"), "A longer calibration text from the training split of the data.");
        var result = _fixture.Build(services);

        Assert.Equal(["tiny/tuned"], _fineTuner.Trained);
        Assert.True(result.Rows.Single(r => r.Variant == "tuned").Recipe!.Calibrated);
        Assert.NotEqual(first, FolderSnapshot.HashFile(Path.Combine(VariantFolder("tuned"), Checkpoint.SingleFileName)));
    }

    [Fact]
    public void GivenATunedVariantsWeightsDeletedTheNextBuildRestoresThemFromTheCacheWithoutTraining()
    {
        _fixture.Build(Services);
        var weights = Path.Combine(VariantFolder("tuned-b"), Checkpoint.SingleFileName);
        var expected = FolderSnapshot.HashFile(weights);
        File.Delete(weights);
        _fineTuner.Reset();

        var result = _fixture.Build(Services);

        Assert.Empty(_fineTuner.Trained);
        Assert.Equal(["tuned-b"], result.Rows.Where(r => r.Rebuilt).Select(r => r.Variant));
        Assert.Equal(expected, FolderSnapshot.HashFile(weights));
        Assert.Contains(_fixture.Messages, m => m.Contains("tiny/tuned-b", StringComparison.Ordinal) && m.Contains("restored from the cache", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenTheWholeOutputDeletedAsByCleanTheNextBuildRestoresEveryVariantWithoutTrainingOrMerging()
    {
        var events = new Tests.Progress.RecordedProgress();
        _fixture.Build(Services);
        var before = FolderSnapshot.Take(_fixture.Output).Hashes.Where(f => !f.Key.EndsWith(BuildStamp.FileName, StringComparison.Ordinal)).ToArray();
        Directory.Delete(_fixture.Output, recursive: true);
        Directory.Delete(_fixture.Folder.Combine("cache", "merged"), recursive: true); // not needed to restore: only for training
        _fineTuner.Reset();

        _fixture.Build(Services, progress: events);

        Assert.Empty(_fineTuner.Trained);
        Assert.False(Directory.Exists(_fixture.Folder.Combine("cache", "merged")), "restoring a tuned variant must not merge its starting point again");
        Assert.Equal(before, FolderSnapshot.Take(_fixture.Output).Hashes.Where(f => !f.Key.EndsWith(BuildStamp.FileName, StringComparison.Ordinal)).ToArray());
        var finished = events.Events.Where(e => e.Kind == Core.Progress.BuildProgressKind.Finished).ToArray();
        Assert.Contains(finished, e => e is { Stage: "merge", Subject: "tiny/plain", Detail: "restored from cache" });
        Assert.Equal(2, finished.Count(e => e is { Stage: "fine-tuning", Detail: "restored from cache" }));

        // The restored folders carry their own stamps: the build after is a no-op.
        var snapshot = FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny"));
        var again = _fixture.Build(Services);
        Assert.All(again.Rows, r => Assert.False(r.Rebuilt));
        Assert.Empty(FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny")).ChangedSince(snapshot));
    }

    [Theory]
    [InlineData("flip a byte")]
    [InlineData("truncate")]
    [InlineData("drop the manifest")]
    public void GivenACorruptCacheEntryOfATunedVariantItIsDetectedAndTheVariantTrainedAgainToTheSameBytes(string damage)
    {
        _fixture.Build(Services);
        var weights = Path.Combine(VariantFolder("tuned-a"), Checkpoint.SingleFileName);
        var expected = FolderSnapshot.HashFile(weights);
        var entry = Path.GetDirectoryName(Directory.GetFiles(_fixture.Folder.Combine("cache", CheckpointCache.Kind), Checkpoint.SingleFileName, SearchOption.AllDirectories)
            .Single(f => FolderSnapshot.HashFile(f) == expected))!;
        var cached = Path.Combine(entry, Checkpoint.SingleFileName);
        switch (damage)
        {
            case "flip a byte":
                var bytes = File.ReadAllBytes(cached);
                bytes[^1] ^= 0x5a;
                File.WriteAllBytes(cached, bytes);
                break;
            case "truncate":
                using (var stream = new FileStream(cached, FileMode.Open)) stream.SetLength(stream.Length / 2);
                break;
            default:
                File.Delete(Path.Combine(entry, CheckpointCache.ManifestFileName));
                break;
        }
        Directory.Delete(VariantFolder("tuned-a"), recursive: true);
        _fineTuner.Reset();

        _fixture.Build(Services);

        Assert.Equal(["tiny/tuned-a"], _fineTuner.Trained);
        Assert.Equal(expected, FolderSnapshot.HashFile(weights));
        Assert.Contains(_fixture.Messages, m => m.Contains("is corrupt", StringComparison.Ordinal));
        // Published again, intact: the entry is whole and the next restore needs no training.
        Assert.Equal(expected, FolderSnapshot.HashFile(cached));
        Directory.Delete(VariantFolder("tuned-a"), recursive: true);
        _fineTuner.Reset();
        _fixture.Build(Services);
        Assert.Empty(_fineTuner.Trained);
    }

    [Fact]
    public void GivenFineTuningSwitchedOnAndOffAgainTheVariantIsTrainedThenMergedAsBefore()
    {
        const string plainOnly = """
            models:
              - name: tiny
                path: model
                variants:
                  - name: v
                    mode: equal
                    budget: 0.5
            defaults: { merge: mean }
            """;
        _fixture.WriteSpec(plainOnly);
        _fixture.Build(Services);
        var merged = FolderSnapshot.Take(VariantFolder("v"));
        var mergedCopy = _fixture.Folder.Combine("merged-copy");
        Directory.CreateDirectory(mergedCopy);
        File.Copy(Path.Combine(VariantFolder("v"), Checkpoint.SingleFileName), Path.Combine(mergedCopy, Checkpoint.SingleFileName));

        _fixture.WriteSpec(plainOnly.Replace("budget: 0.5", "budget: 0.5\n        finetune: { text: train.txt, steps: 2, learning_rate: 0.5 }"));
        _fixture.Build(Services);
        AssertTrainedFrom(mergedCopy, VariantFolder("v"), 0.5);
        _fixture.WriteSpec(plainOnly);
        var result = _fixture.Build(Services);

        Assert.Equal(["tiny/v"], _fineTuner.Trained);
        Assert.True(result.Rows.Single(r => r.Variant == "v").Rebuilt);
        Assert.Equal(merged.Hashes.Where(f => f.Key != BuildStamp.FileName), FolderSnapshot.Of(VariantFolder("v")).Where(f => f.Key != BuildStamp.FileName));
    }

    [Fact]
    public void GivenALossThatDivergesTheBuildFailsWithQcqa081NamingTheVariantAndWritesNoFolderForIt()
    {
        _fineTuner.DivergesAtStep = 2;

        var error = Assert.Throws<QcqaException>(() => _fixture.Build(Services));

        Assert.Equal(ErrorCodes.FineTuningDiverged, error.Code);
        Assert.Contains("tiny/tuned-a", error.Message);
        // The plain variant came first and was written; nothing of the tuned one, not even a temporary folder.
        Assert.Equal(["plain"], Directory.EnumerateFileSystemEntries(Path.Combine(_fixture.Output, "tiny")).Select(Path.GetFileName));
    }

    [Fact]
    public void GivenALossThatDivergesOnARetrainTheVariantsPreviousFolderIsLeftAsItWas()
    {
        _fixture.Build(Services);
        var before = FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny"));
        _fineTuner.DivergesAtStep = 3;

        _fixture.WriteSpec(Spec.Replace("learning_rate: 0.5", "learning_rate: 0.125"));
        var error = Assert.Throws<QcqaException>(() => _fixture.Build(Services));

        Assert.Equal(ErrorCodes.FineTuningDiverged, error.Code);
        Assert.Contains("tiny/tuned-a", error.Message);
        Assert.Empty(FolderSnapshot.Take(Path.Combine(_fixture.Output, "tiny")).ChangedSince(before));
        Assert.Equal(["plain", "tuned-a", "tuned-b"], Directory.EnumerateFileSystemEntries(Path.Combine(_fixture.Output, "tiny")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void GivenAMissingFinetuneTextTheSpecErrorIsAtTheFinetuneMappingsLineAndNamesTheFile()
    {
        _fixture.WriteSpec(Spec.Replace("{ text: train.txt, steps: 3, learning_rate: 0.5 }", "{ text: gone.txt, steps: 3, learning_rate: 0.5 }"));

        QcqaException error = Assert.Throws<QcqaSpecException>(() => _fixture.Build(Services));

        var problem = Assert.Single(error.Diagnostics);
        Assert.Equal(ErrorCodes.BadEvaluationInput, problem.Code);
        Assert.Equal((Path.GetFullPath(_fixture.SpecPath), TunedAFineTuneLine), (problem.Location.File, problem.Location.Line));
        Assert.Contains("'gone.txt'", problem.Message);
        Assert.Empty(_fineTuner.Trained);
        Assert.False(Directory.Exists(_fixture.Output));
    }

    [Fact]
    public void GivenAFinetuneTextTheTrainerRejectsTheErrorPointsAtTheFinetuneMappingAndNamesTheFileAndTheVariant()
    {
        File.WriteAllText(_fixture.Folder.Combine("short.txt"), "Hi.");
        _fixture.WriteSpec(Spec.Replace("{ text: train.txt, steps: 3, learning_rate: 0.5 }", "{ text: short.txt, steps: 3, learning_rate: 0.5 }"));

        var error = Assert.Throws<QcqaException>(() => _fixture.Build(Services));

        Assert.Equal(ErrorCodes.BadEvaluationInput, error.Code);
        var line = Spec.Split('\n')[TunedAFineTuneLine - 1];
        Assert.Equal((Path.GetFullPath(_fixture.SpecPath), TunedAFineTuneLine, line.IndexOf('{') + 1), (error.File, error.Line, error.Column));
        Assert.Contains(_fixture.Folder.Combine("short.txt"), error.Message);
        Assert.Contains("tiny/tuned-a", error.Message);
        Assert.False(Directory.Exists(VariantFolder("tuned-a")));
    }

    [Fact]
    public void GivenNoFineTunerAFinetuneVariantIsAQcqa060ErrorAtItsFinetuneMapping()
    {
        var error = Assert.Throws<QcqaException>(() => _fixture.Build(new BuildServices()));

        Assert.Equal(ErrorCodes.RuntimeUnavailable, error.Code);
        Assert.Equal((Path.GetFullPath(_fixture.SpecPath), TunedAFineTuneLine), (error.File, error.Line));
        Assert.Contains("Fine-tuning needs the tensor runtime", error.Message);
        Assert.False(Directory.Exists(VariantFolder("tuned-a")));
    }

    // The tuned folder holds the merged checkpoint's tensors, o_proj of layer 0 times (1 + rate) (the fake's training).
    private static void AssertTrainedFrom(string mergedFolder, string tunedFolder, double rate)
    {
        using var merged = SafetensorsFile.Open(Path.Combine(mergedFolder, Checkpoint.SingleFileName));
        using var tuned = SafetensorsFile.Open(Path.Combine(tunedFolder, Checkpoint.SingleFileName));
        Assert.Equal(merged.Tensors.Select(t => t.Name).Order(), tuned.Tensors.Select(t => t.Name).Order());
        foreach (var tensor in merged.Tensors)
        {
            var want = merged.ReadAllDoubles(tensor);
            var got = tuned.ReadAllDoubles(tuned.GetTensor(tensor.Name));
            if (tensor.Name == FakeFineTuner.TrainedTensor)
            {
                Assert.Contains(want, x => x != 0);
                for (var i = 0; i < want.Length; i++) Assert.Equal(want[i] * (1 + rate), got[i], 1e-6 * Math.Abs(want[i]) + 1e-12);
            }
            else
            {
                Assert.Equal(want, got);
            }
        }
    }

    private static string[] FileNames(string folder) => Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
