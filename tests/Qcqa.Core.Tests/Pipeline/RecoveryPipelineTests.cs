using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Pipeline;
using Qcqa.Core.Progress;
using Qcqa.Core.Tests.Pipeline.Fakes;
using Qcqa.Core.Tests.Progress;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Pipeline;

/// <summary>
/// The build's calibration and aligned stages (with <see cref="FakeCalibrator"/> and <see cref="FakeAlignmentEngine"/>,
/// no libtorch): calibration runs once per model and text whatever the number of variants and builds, the aligned
/// fitness and probed costs decide the groupings, and the paper's mean merge never touches any of it.
/// </summary>
public sealed class RecoveryPipelineTests : IDisposable
{
    // The aligned merge with calibration: fitness aligned and allocation measured are the derived defaults.
    private const string Calibrated = """
        calibration: { text: calib.txt }
        models:
          - name: tiny
            path: model
            variants:
              - { name: ac-50, mode: arbitrary, budget: 0.5 }
              - { name: ec-50, mode: equal, budget: 0.5 }
              - { name: gqa-50, mode: gqa, budget: 0.5 }
        """;

    private const string CalibrationText = "A calibration text from the training split of the data.";

    private readonly PipelineFixture _fixture = new(Calibrated);
    private readonly FakeCalibrator _calibrator = new();
    private readonly FakeAlignmentEngine _alignment = new();

    public RecoveryPipelineTests() => File.WriteAllText(CalibrationPath, CalibrationText);

    public void Dispose() => _fixture.Dispose();

    private string CalibrationPath => _fixture.Folder.Combine("calib.txt");

    private BuildServices Services => new() { Calibrator = _calibrator, Alignment = _alignment };

    private string Weights(string variant) => Path.Combine(_fixture.Output, "tiny", variant, Checkpoint.SingleFileName);

    [Fact]
    public void GivenSeveralCalibratedVariantsTheModelIsCalibratedOnceAndNotAgainByASecondBuild()
    {
        var first = _fixture.Build(Services);
        var afterFirst = _calibrator.Texts.Count;
        _alignment.Reset();

        var second = _fixture.Build(Services);

        Assert.Equal([CalibrationPath], _calibrator.Texts);
        Assert.Equal(1, afterFirst);
        Assert.All(first.Rows.Where(r => !r.IsOriginal), r => Assert.True(r.Recipe!.Calibrated, r.Variant));
        Assert.All(second.Rows, r => Assert.False(r.Rebuilt));
        Assert.Contains(_fixture.Messages, m => m.Contains("calibration hit"));
    }

    [Fact]
    public void GivenTheCalibrationTextsContentChangedTheModelIsCalibratedAgainAndEveryAlignedVariantIsRewritten()
    {
        _fixture.Build(Services);
        var before = new[] { "ac-50", "ec-50", "gqa-50" }.ToDictionary(v => v, v => FolderSnapshot.HashFile(Weights(v)));

        // A longer text: more calibration tokens, so the (fake) aligned projections change.
        File.WriteAllText(CalibrationPath, CalibrationText + " And some more of it.");
        var result = _fixture.Build(Services);

        Assert.Equal([CalibrationPath, CalibrationPath], _calibrator.Texts);
        Assert.Equal(["ac-50", "ec-50", "gqa-50"], result.Rows.Where(r => r.Rebuilt).Select(r => r.Variant));
        Assert.All(before, v => Assert.NotEqual(v.Value, FolderSnapshot.HashFile(Weights(v.Key))));
    }

    [Fact]
    public void GivenTheSameTextUnderAnotherNameTheCalibrationIsACacheHit()
    {
        _fixture.Build(Services);
        File.Copy(CalibrationPath, _fixture.Folder.Combine("renamed.txt"));

        _fixture.WriteSpec(Calibrated.Replace("calib.txt", "renamed.txt"));
        _fixture.Build(Services);

        Assert.Equal([CalibrationPath], _calibrator.Texts);
    }

    [Fact]
    public void GivenTheAlignedFitnessTheSearchFindsTheGroupingsTheAlignedMergeMakesFree()
    {
        _fixture.WriteSpec("""
            models:
              - name: tiny
                path: model
                variants:
                  - { name: ec-50, mode: equal, budget: 0.5 }
            """);

        var result = _fixture.Build(Services);

        // Without calibration the aligned merge allocates uniformly: 4 KV heads per layer, the planted pairs {h, 7 - h}.
        var grouping = GroupingFile.Read(Path.Combine(_fixture.Output, "tiny", "ec-50", "grouping.json"), [8, 8, 8]);
        Assert.All(grouping.Layers, l => Assert.Equal(FakeAlignmentEngine.PlantedPairs(8), l.Grouping));
        Assert.Empty(_calibrator.Texts);
        var row = result.Rows.Single(r => r.Variant == "ec-50");
        Assert.Equal(("aligned", "aligned", "uniform", false), (row.Recipe!.Merge, row.Recipe.Fitness, row.Recipe.Allocation, row.Recipe.Calibrated));
        Assert.Equal(0, row.Recipe.FitnessError, 12);
    }

    [Fact]
    public void GivenAMeasuredAllocationItProbesTheLayersOnceAndASecondBuildProbesNothing()
    {
        _fixture.Build(Services);
        var probed = _alignment.Probes.Count;
        var (opened, calls) = (_alignment.SensitivitiesOpened, _alignment.MeasureCalls);
        _alignment.Reset();

        _fixture.Build(Services);

        Assert.True(probed > 0);
        // Each opened probe was asked for all of its measurements at once (one streamed pass, not one per point).
        Assert.Equal(opened, calls);
        Assert.Empty(_alignment.Probes);
        Assert.Equal(0, _alignment.SensitivitiesOpened);
    }

    [Fact]
    public void GivenAGradientAllocationEveryVariantSharesOneGradientPassAndASecondBuildRunsNothing()
    {
        // (A model this small still probes its measured costs once, for the report's comparison of allocations.)
        _fixture.WriteSpec(Calibrated + "\ndefaults: { allocation: gradient }\n");

        var first = _fixture.Build(Services);
        var runs = _alignment.GradientRuns;
        _alignment.Reset();
        _fixture.Build(Services);

        Assert.Equal(1, runs);
        Assert.Equal((0, 0), (_alignment.GradientRuns, _alignment.Probes.Count));
        Assert.Equal("gradient", first.Rows.Single(r => r.Variant == "ac-50").Recipe!.Allocation);
    }

    [Fact]
    public void GivenAGradientAllocationANewVariantInALaterBuildReadsTheModelsSensitivitiesFromTheCache()
    {
        _fixture.WriteSpec(Calibrated + "\ndefaults: { allocation: gradient }\n");
        _fixture.Build(Services);
        _alignment.Reset();
        _fixture.WriteSpec(Calibrated.Replace("budget: 0.5 }\n      - { name: ec-50", "budget: 0.5 }\n      - { name: ac-25, mode: arbitrary, budget: 0.25 }\n      - { name: ec-50")
            + "\ndefaults: { allocation: gradient }\n");

        var result = _fixture.Build(Services);

        Assert.Contains(result.Rows, r => r.Variant == "ac-25");
        Assert.Equal(0, _alignment.GradientRuns);
    }

    [Fact]
    public void GivenAMemoryLimitInTheSpecCalibrationProbesTheGradientPassAndEvaluationAllPlanAgainstIt()
    {
        File.WriteAllText(_fixture.Folder.Combine("held.txt"), "Held-out text the model never saw in training.");
        _fixture.WriteSpec("memory_limit: 3GB\nevaluation: { text: held.txt }\n" + Calibrated
            + "\n      - { name: ac-50-gradient, mode: arbitrary, budget: 0.5, allocation: gradient }\n");
        var evaluator = new CountingEvaluator();

        _fixture.Build(Services with { Evaluator = evaluator });

        var limits = evaluator.Limits.Concat(_calibrator.Limits).Concat(_alignment.Limits).ToList();
        Assert.True(evaluator.Limits.Count > 0 && !_calibrator.Limits.IsEmpty && _alignment.Limits.Count >= 2);
        Assert.All(limits, l => Assert.Equal(3_000_000_000L, l.Bytes));
        Assert.All(limits, l => Assert.Contains("memory_limit in", l.Source));
    }

    [Fact]
    public void GivenAMemoryLimitOnTheCommandLineItOverridesTheSpecs()
    {
        _fixture.WriteSpec("memory_limit: 3GB\n" + Calibrated + "\ndefaults: { allocation: gradient }\n");

        _fixture.Build(Services, memoryLimit: 2_000_000_000L);

        Assert.All(_calibrator.Limits.Concat(_alignment.Limits), l => Assert.Equal((2_000_000_000L, true), (l.Bytes, l.Source.Contains("--memory-limit"))));
        Assert.NotEmpty(_alignment.Limits);
    }

    [Fact]
    public void GivenAnAlignedSearchASecondBuildReportsTheSameAlignedErrorsWithoutComputingOne()
    {
        // The report's aligned error of each grouping: a 7B's group fits cost minutes, and the aligned search's cached
        // fronts already hold the error of every point the allocation can choose.
        var first = _fixture.Build(Services);
        _alignment.Reset();

        var second = _fixture.Build(Services);

        Assert.Equal(0, _alignment.Errors);
        Assert.All(second.Rows, r => Assert.False(r.Rebuilt));
        var errors = first.Rows.Where(r => !r.IsOriginal).ToDictionary(r => r.Variant, r => r.Recipe!.FitnessError);
        Assert.All(second.Rows.Where(r => !r.IsOriginal), r => Assert.Equal(errors[r.Variant], r.Recipe!.FitnessError));
        Assert.Contains(errors.Values, e => e > 0);
    }

    [Fact]
    public void BeforeEachVariantsLayerCostsMergeAndEvaluationTheBuildFreesWhatTheAlignedMergeKeeps()
    {
        // Evaluation and fine-tuning plan their memory from the shapes; the aligned merge's kept layer and Grams (about
        // 2 GB at 7B) would sit on top of that plan.
        _fixture.Build(Services);

        // Each of the three variants: before its probed layer costs (all are allocated by measured cost), before its
        // merge and before its evaluation.
        Assert.Equal(9, _alignment.Releases);
    }

    [Fact]
    public void AnAlignedSearchFinishesAfterScoringItsFrontsByTheExactErrorAndShowsThatWork()
    {
        // At 7B the exact errors of the fronts are minutes of group fits: they belong to the search's time and progress.
        var recorded = new RecordedProgress();
        var errorsAtFinish = -1;
        _fixture.Build(Services, progress: new CallbackProgress(e =>
        {
            recorded.Report(e);
            if (e.Kind == BuildProgressKind.Finished && e.Stage == BuildStages.Search && e.Subject == "tiny/ac-50") errorsAtFinish = _alignment.Errors;
        }));

        Assert.Equal("arbitrary, 3 layers searched, fronts scored by the exact aligned error", recorded.Finished(BuildStages.Search, "tiny/ac-50").Single().Detail);
        Assert.True(errorsAtFinish > 0);
        Assert.Contains(recorded.Events, e => e.Subject == "tiny/ac-50" && e.Detail == "exact aligned error of the fronts: 3/3 layers");
    }

    private sealed class CallbackProgress(Action<BuildProgressEvent> report) : IProgress<BuildProgressEvent>
    {
        public void Report(BuildProgressEvent value) => report(value);
    }

    [Fact]
    public void GivenTheDefaultAllocationASmallModelIsAllocatedByMeasuredCost()
    {
        var result = _fixture.Build(Services);

        Assert.Equal("measured", result.Rows.Single(r => r.Variant == "ac-50").Recipe!.Allocation);
        Assert.Equal(0, _alignment.GradientRuns);
    }

    [Fact]
    public void GivenOnlyMeanMergedVariantsNeitherTheCalibratorNorTheAlignmentEngineIsUsed()
    {
        _fixture.WriteSpec(Calibrated + "\ndefaults: { merge: mean }\n");

        var result = _fixture.Build(Services);

        Assert.Empty(_calibrator.Texts);
        Assert.Equal((0, 0, 0, 0, 0), (_alignment.Opened, _alignment.SensitivitiesOpened, _alignment.FitnessGrams, _alignment.Errors, _alignment.Projections));
        Assert.Empty(_alignment.Probes);
        Assert.All(result.Rows.Where(r => !r.IsOriginal), r => Assert.Equal(("mean", "wse", "wse", false), (r.Recipe!.Merge, r.Recipe.Fitness, r.Recipe.Allocation, r.Recipe.Calibrated)));
    }

    [Fact]
    public void GivenOnlyMeanMergedVariantsTheBuildNeedsNoTensorRuntimeEvenWithACalibrationSection()
    {
        _fixture.WriteSpec(Calibrated + "\ndefaults: { merge: mean }\n");

        var result = _fixture.Build(new BuildServices());

        Assert.Equal(["ac-50", "ec-50", "gqa-50"], result.Rows.Where(r => r.Rebuilt).Select(r => r.Variant));
        QcqaAssert.IsCheckpoint(_fixture.Output, "tiny", "ac-50");
    }

    [Fact]
    public void GivenTheRequestsCalibrationTextItReplacesTheSpecsAndTheModelIsCalibratedOnIt()
    {
        var other = _fixture.Folder.Combine("other.txt");
        File.WriteAllText(other, "Another calibration text, from the command line.");

        var result = _fixture.Build(Services, calibrationText: other);

        Assert.Equal([other], _calibrator.Texts);
        Assert.All(result.Rows.Where(r => !r.IsOriginal), r => Assert.True(r.Recipe!.Calibrated, r.Variant));
    }

    [Theory]
    [InlineData("aligned")]
    [InlineData("mean")]
    public void GivenTheRequestsCalibrationTextIsMissingTheBuildFailsNamingItWhateverTheMerge(string merge)
    {
        var missing = _fixture.Folder.Combine("typo.txt");
        _fixture.WriteSpec(Calibrated + $"\ndefaults: {{ merge: {merge} }}\n");

        QcqaException error = Assert.Throws<QcqaSpecException>(() => _fixture.Build(Services, calibrationText: missing));

        var problem = Assert.Single(error.Diagnostics);
        Assert.Equal((ErrorCodes.BadEvaluationInput, missing), (problem.Code, problem.Location.File));
        Assert.Contains("does not exist", problem.Message);
        Assert.Empty(_calibrator.Texts);
        Assert.False(Directory.Exists(_fixture.Output));
    }

    [Fact]
    public void GivenNoCalibratorACalibratedAlignedVariantIsAQcqa060ErrorAtTheCalibrationSection()
    {
        var error = Assert.Throws<QcqaException>(() => _fixture.Build(new BuildServices { Alignment = _alignment }));

        Assert.Equal(ErrorCodes.RuntimeUnavailable, error.Code);
        Assert.Equal((Path.GetFullPath(_fixture.SpecPath), 1, 14), (error.File, error.Line, error.Column));
        Assert.Contains("Calibration needs the tensor runtime", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_fixture.Output, "tiny")));
    }

    [Fact]
    public void GivenNoAlignmentEngineAnAlignedVariantIsAQcqa060ErrorAtTheVariantThatSuggestsTheMeanMerge()
    {
        var error = Assert.Throws<QcqaException>(() => _fixture.Build(new BuildServices { Calibrator = _calibrator }));

        Assert.Equal(ErrorCodes.RuntimeUnavailable, error.Code);
        Assert.Equal((Path.GetFullPath(_fixture.SpecPath), 6), (error.File, error.Line));
        Assert.Contains("tiny/ac-50", error.Message);
        Assert.Contains("merge: mean", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_fixture.Output, "tiny")));
    }

    [Fact]
    public void GivenACalibrationTextTheCalibratorRejectsTheErrorPointsAtTheCalibrationSectionAndNamesTheFile()
    {
        File.WriteAllText(CalibrationPath, "Short.");

        var error = Assert.Throws<QcqaException>(() => _fixture.Build(Services));

        Assert.Equal(ErrorCodes.BadEvaluationInput, error.Code);
        Assert.Equal((Path.GetFullPath(_fixture.SpecPath), 1), (error.File, error.Line));
        Assert.Contains(CalibrationPath, error.Message);
        Assert.False(Directory.Exists(Path.Combine(_fixture.Output, "tiny")));
    }
}
