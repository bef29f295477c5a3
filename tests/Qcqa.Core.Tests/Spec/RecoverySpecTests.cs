using Qcqa.Core.Allocation;
using Qcqa.Core.Calibration;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Merge;
using Qcqa.Core.Search;
using Qcqa.Core.Spec;

namespace Qcqa.Core.Tests.Spec;

/// <summary>
/// The spec keys of issue 9 — calibration, merge, fitness, allocation and finetune: how each is read and layered over
/// defaults, the defaults that follow from the merge and from calibration, and every mistake reported at its position
/// with its code and a message naming the problem.
/// </summary>
public sealed class RecoverySpecTests : IDisposable
{
    private readonly SpecFixture _fixture = new("models/tiny-llama", "models/other");

    public RecoverySpecTests()
    {
        foreach (var text in new[] { "calib.txt", "own.txt", "train.txt" })
            File.WriteAllText(Path.Combine(_fixture.Root, text), "Some text from the training split.");
    }

    public void Dispose() => _fixture.Dispose();

    private string Full(string relative) => Path.Combine(_fixture.Root, relative);

    private static VariantSpec Variant(QcqaSpec spec, string name) => spec.Variants.Single(v => v.Name == name);

    // ---- calibration ----

    [Fact]
    public void GivenATopLevelCalibrationEveryModelAndVariantCarriesItWithTheDefaultTokenCounts()
    {
        var spec = _fixture.Load("""
            calibration:
              text: calib.txt
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
              - path: models/other
                variants:
                  - { name: b, mode: equal, budget: 0.5 }
            """);

        var expected = new CalibrationSpec(Full("calib.txt"), CalibrationSpec.DefaultMaxTokens, CalibrationSpec.DefaultProbeTokens,
            new SourceLocation(_fixture.SpecPath, 2, 3));
        Assert.Equal(16_384, CalibrationSpec.DefaultMaxTokens);
        Assert.Equal(2_048, CalibrationSpec.DefaultProbeTokens);
        Assert.Equal(expected, spec.Calibration);
        Assert.All(spec.Models, m => Assert.Equal(expected, m.Calibration));
        Assert.All(spec.Variants, v => Assert.Equal(expected, v.Calibration));
    }

    [Fact]
    public void GivenAModelsOwnCalibrationItReplacesTheTopLevelOneForThatModelOnly()
    {
        var spec = _fixture.Load("""
            calibration: { text: calib.txt, max_tokens: 8192 }
            models:
              - path: models/tiny-llama
                calibration:
                  text: own.txt
                  max_tokens: 4096
                  probe_tokens: 512
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
              - path: models/other
                variants:
                  - { name: b, mode: arbitrary, budget: 0.5 }
            """);

        var own = spec.Models[0].Calibration!;
        Assert.Equal((Full("own.txt"), 4096, 512, 5), (own.TextPath, own.MaxTokens, own.ProbeTokens, own.Location.Line));
        Assert.Same(own, Variant(spec, "a").Calibration);
        var shared = spec.Models[1].Calibration!;
        Assert.Equal((Full("calib.txt"), 8192, CalibrationSpec.DefaultProbeTokens), (shared.TextPath, shared.MaxTokens, shared.ProbeTokens));
        Assert.Same(spec.Calibration, shared);
    }

    [Fact]
    public void GivenACalibrationTextFromTheCommandLineItReplacesEveryModelsTextAndDecidesTheDefaults()
    {
        var overriding = Full("train.txt");
        var result = _fixture.Read("""
            models:
              - path: models/tiny-llama
                calibration: { text: own.txt }
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
              - path: models/other
                variants:
                  - { name: b, mode: arbitrary, budget: 0.5 }
            """, new SpecReaderOptions { CalibrationText = overriding });

        var spec = result.GetSpecOrThrow();
        Assert.All(spec.Models, m => Assert.Equal(overriding, m.Calibration!.TextPath));
        // Calibration from the command line counts like calibration in the spec: the aligned merge allocates by measured cost.
        Assert.All(spec.Variants, v => Assert.Equal(AllocationMethod.Auto, v.Allocation));
    }

    [Fact]
    public void GivenNoCalibrationModelsAndVariantsHaveNone()
    {
        var spec = _fixture.Load("""
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """);

        Assert.Null(spec.Calibration);
        Assert.Null(spec.Models[0].Calibration);
        Assert.Null(Variant(spec, "a").Calibration);
    }

    // ---- merge, fitness, allocation: explicit values and derived defaults ----

    [Fact]
    public void GivenNoRecipeKeysAndNoCalibrationTheAlignedMergeSearchesItsOwnErrorAndAllocatesUniformly()
    {
        var variant = Variant(_fixture.Load("""
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """), "a");

        Assert.Equal((MergeMethod.Aligned, FitnessKind.Aligned, AllocationMethod.Uniform), (variant.Merge, variant.Fitness, variant.Allocation));
        Assert.Null(variant.FineTune);
    }

    [Fact]
    public void GivenCalibrationTheAlignedMergeAllocatesAutomatically()
    {
        var variant = Variant(_fixture.Load("""
            calibration: { text: calib.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """), "a");

        Assert.Equal((MergeMethod.Aligned, FitnessKind.Aligned, AllocationMethod.Auto), (variant.Merge, variant.Fitness, variant.Allocation));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GivenTheMeanMergeTheFitnessAndTheAllocationAreThePapersWse(bool calibrated)
    {
        var spec = _fixture.Load((calibrated ? "calibration: { text: calib.txt }\n" : "") + """
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, merge: mean }
            """);

        var variant = Variant(spec, "a");
        Assert.Equal((MergeMethod.Mean, FitnessKind.Wse, AllocationMethod.Wse), (variant.Merge, variant.Fitness, variant.Allocation));
    }

    [Fact]
    public void GivenRecipeKeysInDefaultsVariantsInheritThemAndOverrideThemKeyByKey()
    {
        var spec = _fixture.Load("""
            calibration: { text: calib.txt }
            defaults:
              merge: mean
            models:
              - path: models/tiny-llama
                variants:
                  - { name: inherits, mode: arbitrary, budget: 0.5 }
                  - { name: aligned, mode: arbitrary, budget: 0.5, merge: aligned }
                  - { name: explicit, mode: arbitrary, budget: 0.5, merge: aligned, fitness: wse, allocation: estimated }
            """);

        var inherits = Variant(spec, "inherits");
        Assert.Equal((MergeMethod.Mean, FitnessKind.Wse, AllocationMethod.Wse), (inherits.Merge, inherits.Fitness, inherits.Allocation));
        // The variant's merge decides the derived defaults, not the defaults' merge.
        var aligned = Variant(spec, "aligned");
        Assert.Equal((MergeMethod.Aligned, FitnessKind.Aligned, AllocationMethod.Auto), (aligned.Merge, aligned.Fitness, aligned.Allocation));
        var explicitly = Variant(spec, "explicit");
        Assert.Equal((MergeMethod.Aligned, FitnessKind.Wse, AllocationMethod.Estimated), (explicitly.Merge, explicitly.Fitness, explicitly.Allocation));
    }

    [Fact]
    public void GivenFitnessAndAllocationInDefaultsTheyWinOverTheDerivedDefaultsButNotOverTheVariant()
    {
        var spec = _fixture.Load("""
            calibration: { text: calib.txt }
            defaults: { fitness: wse, allocation: uniform }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
                  - { name: m, mode: arbitrary, budget: 0.5, merge: mean }
                  - { name: v, mode: arbitrary, budget: 0.5, fitness: aligned, allocation: wse }
            """);

        var a = Variant(spec, "a");
        Assert.Equal((MergeMethod.Aligned, FitnessKind.Wse, AllocationMethod.Uniform), (a.Merge, a.Fitness, a.Allocation));
        var m = Variant(spec, "m");
        Assert.Equal((MergeMethod.Mean, FitnessKind.Wse, AllocationMethod.Uniform), (m.Merge, m.Fitness, m.Allocation));
        var v = Variant(spec, "v");
        Assert.Equal((MergeMethod.Aligned, FitnessKind.Aligned, AllocationMethod.Wse), (v.Merge, v.Fitness, v.Allocation));
    }

    [Theory]
    [InlineData("measured", AllocationMethod.Measured)]
    [InlineData("estimated", AllocationMethod.Estimated)]
    [InlineData("gradient", AllocationMethod.Gradient)]
    [InlineData("auto", AllocationMethod.Auto)]
    [InlineData("wse", AllocationMethod.Wse)]
    [InlineData("uniform", AllocationMethod.Uniform)]
    public void GivenEachAllocationSpellingItParsesToItsMethod(string spelling, AllocationMethod method)
    {
        var spec = _fixture.Load($$"""
            calibration: { text: calib.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, allocation: {{spelling}} }
            """);

        Assert.Equal(method, Variant(spec, "a").Allocation);
        Assert.Equal(spelling, method.ToSpecString());
    }

    [Fact]
    public void GivenAUniformAllocationAGlobalBudgetIsAppliedToEveryLayer()
    {
        var variant = Variant(_fixture.Load("""
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """), "a");

        Assert.Equal(0.5, variant.Budget!.GlobalFraction);
        Assert.Null(variant.AllocatedBudget!.GlobalFraction);
        Assert.Equal(0.5, variant.AllocatedBudget.PerLayerFraction);
    }

    // ---- finetune ----

    [Fact]
    public void GivenAFinetuneMappingItIsLayeredOverDefaultsFinetuneAndTrainsOnTheCalibrationText()
    {
        var spec = _fixture.Load("""
            calibration: { text: calib.txt }
            defaults:
              finetune: { steps: 100, learning_rate: 0.0005, loss: kd, seed: 3 }
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune:
                      learning_rate: 0.002
                      params: all
                      batch_tokens: 1024
                      sequence_length: 128
            """);

        var fineTune = Variant(spec, "a").FineTune!;
        Assert.Equal(Full("calib.txt"), fineTune.TextPath);
        Assert.Equal(100, fineTune.Steps);
        Assert.Null(fineTune.Tokens);
        Assert.Equal(0.002, fineTune.LearningRate);
        Assert.Equal((1024, 128), (fineTune.BatchTokens, fineTune.SequenceLength));
        Assert.Equal((FineTuneLoss.Distillation, FineTuneParameters.All, 3), (fineTune.Loss, fineTune.Parameters, fineTune.Seed));
        Assert.Equal((11, 11), (fineTune.Location.Line, fineTune.Location.Column));
        Assert.Equal(FineTuneMode.Auto, fineTune.Mode);
        // An unresolved mode is spelled; the build resolves it (IFineTuner.CheckMemory) before it keys the cache.
        Assert.Equal("steps=100;tokens=-;learning_rate=0.002;batch_tokens=1024;sequence_length=128;loss=kd;params=all;seed=3;mode=auto", fineTune.Identity);
        Assert.Equal("steps=100;tokens=-;learning_rate=0.002;batch_tokens=1024;sequence_length=128;loss=kd;params=all;seed=3",
            (fineTune with { Mode = FineTuneMode.EndToEnd }).Identity);
        Assert.EndsWith(";mode=layerwise", (fineTune with { Mode = FineTuneMode.LayerWise }).Identity);
    }

    [Theory]
    [InlineData("auto", FineTuneMode.Auto)]
    [InlineData("end-to-end", FineTuneMode.EndToEnd)]
    [InlineData("layerwise", FineTuneMode.LayerWise)]
    public void GivenAFinetuneModeInDefaultsEveryVariantTakesItUnlessItsOwnMappingSaysOtherwise(string word, FineTuneMode mode)
    {
        var spec = _fixture.Load($$"""
            calibration: { text: calib.txt }
            defaults:
              finetune: { tokens: 4096, mode: {{word}} }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
                  - { name: b, mode: arbitrary, budget: 0.5, finetune: { mode: end-to-end } }
            """);

        Assert.Equal(mode, Variant(spec, "a").FineTune!.Mode);
        Assert.Equal(FineTuneMode.EndToEnd, Variant(spec, "b").FineTune!.Mode);
    }

    [Fact]
    public void GivenOnlyDefaultsFinetuneEveryVariantIsFineTunedWithTheBuiltInDefaultsForMissingKeys()
    {
        var spec = _fixture.Load("""
            calibration: { text: calib.txt }
            defaults:
              finetune: { tokens: 120000 }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
                  - { name: b, mode: equal, budget: 0.5, merge: mean }
            """);

        Assert.All(spec.Variants, v =>
        {
            var fineTune = v.FineTune!;
            Assert.Equal((Full("calib.txt"), (int?)null, (long?)120_000), (fineTune.TextPath, fineTune.Steps, fineTune.Tokens));
            Assert.Equal((FineTuneSpec.DefaultLearningRate, FineTuneSpec.DefaultBatchTokens, FineTuneSpec.DefaultSequenceLength),
                (fineTune.LearningRate, fineTune.BatchTokens, fineTune.SequenceLength));
            Assert.Equal((FineTuneLoss.CrossEntropy, FineTuneParameters.Attention, 1), (fineTune.Loss, fineTune.Parameters, fineTune.Seed));
        });
    }

    [Fact]
    public void GivenFinetuneFalseAVariantIsNotFineTunedWhateverTheDefaults()
    {
        var spec = _fixture.Load("""
            calibration: { text: calib.txt }
            defaults:
              finetune: { steps: 10 }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: tuned, mode: arbitrary, budget: 0.5 }
                  - { name: plain, mode: arbitrary, budget: 0.5, finetune: false }
            """);

        Assert.NotNull(Variant(spec, "tuned").FineTune);
        Assert.Null(Variant(spec, "plain").FineTune);
    }

    [Fact]
    public void GivenTokensInAVariantAndStepsInDefaultsTheVariantsTokensReplaceTheSteps()
    {
        var spec = _fixture.Load("""
            calibration: { text: calib.txt }
            defaults:
              finetune: { steps: 10 }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, finetune: { tokens: 8192 } }
                  - { name: b, mode: arbitrary, budget: 0.5 }
            """);

        Assert.Equal(((int?)null, (long?)8192), (Variant(spec, "a").FineTune!.Steps, Variant(spec, "a").FineTune!.Tokens));
        Assert.Equal(((int?)10, (long?)null), (Variant(spec, "b").FineTune!.Steps, Variant(spec, "b").FineTune!.Tokens));
    }

    [Fact]
    public void GivenAFinetuneTextItIsResolvedAgainstTheSpecFolderAndWinsOverTheCalibrationText()
    {
        var spec = _fixture.Load("""
            calibration: { text: calib.txt }
            defaults:
              finetune: { text: own.txt, steps: 4 }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
                  - { name: b, mode: arbitrary, budget: 0.5, finetune: { text: train.txt } }
            """);

        Assert.Equal(Full("own.txt"), Variant(spec, "a").FineTune!.TextPath);
        Assert.Equal(Full("train.txt"), Variant(spec, "b").FineTune!.TextPath);
        Assert.Equal(4, Variant(spec, "b").FineTune!.Steps);
    }

    [Fact]
    public void GivenAFinetuneWithItsOwnTextNoCalibrationIsNeeded()
    {
        var spec = _fixture.Load("""
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, finetune: { text: train.txt, steps: 2 } }
            """);

        Assert.Equal(Full("train.txt"), Variant(spec, "a").FineTune!.TextPath);
        Assert.Null(Variant(spec, "a").Calibration);
    }

    [Fact]
    public void GivenADefaultsWindowLengthAVariantsBatchIsCheckedAgainstItNotAgainstTheBuiltInDefault()
    {
        // 384 is three windows of 128 (the defaults' length), though not a multiple of the built-in 256.
        var spec = _fixture.Load("""
            calibration: { text: calib.txt }
            defaults:
              finetune: { steps: 2, sequence_length: 128 }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, finetune: { batch_tokens: 384 } }
            """);

        Assert.Equal((384, 128), (Variant(spec, "a").FineTune!.BatchTokens, Variant(spec, "a").FineTune!.SequenceLength));
    }

    // ---- errors, each positioned, with its code and a message naming the problem ----

    private Diagnostic SingleProblem(string yaml, SpecReaderOptions? options = null)
    {
        var result = _fixture.Read(yaml, options);
        Assert.Null(result.Spec);
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal(_fixture.SpecPath, problem.Location.File);
        return problem;
    }

    private static void AssertProblem(Diagnostic problem, string code, int line, int column, params string[] fragments)
    {
        Assert.True(code == problem.Code, $"Expected {code} but got {problem.ToCanonicalString()}");
        Assert.True((line, column) == (problem.Location.Line, problem.Location.Column), $"Expected ({line},{column}) but got {problem.ToCanonicalString()}");
        foreach (var fragment in fragments) Assert.Contains(fragment, problem.Message);
    }

    [Theory]
    [InlineData("measured")]
    [InlineData("estimated")]
    public void GivenAProbedAllocationWithoutCalibrationItIsReportedAtTheAllocation(string allocation)
    {
        var problem = SingleProblem($$"""
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    allocation: {{allocation}}
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 7, 21, "Variant 'a'", $"'{allocation}'", "calibration");
    }

    [Fact]
    public void GivenAProbedAllocationInDefaultsWithoutCalibrationItIsReportedAtTheDefaultsValue()
    {
        var problem = SingleProblem("""
            defaults:
              allocation: measured
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 2, 15, "Variant 'a'", "'measured'", "calibration");
    }

    [Fact]
    public void GivenAFinetuneWithoutTextAndWithoutCalibrationItIsReportedAtTheFinetune()
    {
        var problem = SingleProblem("""
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune: { steps: 10 }
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 7, 19, "Variant 'a'", "no text", "finetune.text", "calibration");
    }

    [Fact]
    public void GivenStepsAndTokensTogetherItIsReportedAtTokens()
    {
        var problem = SingleProblem("""
            calibration: { text: calib.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune:
                      steps: 10
                      tokens: 4096
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 10, 11, "both 'steps' and 'tokens'");
    }

    [Fact]
    public void GivenABatchThatIsNotAWholeNumberOfWindowsItIsReportedAtBatchTokens()
    {
        var problem = SingleProblem("""
            calibration: { text: calib.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune:
                      sequence_length: 256
                      batch_tokens: 1000
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 10, 11, "batch_tokens (1000)", "multiple of sequence_length (256)");
    }

    [Fact]
    public void GivenAWindowLengthThatDoesNotDivideTheDefaultBatchItIsReported()
    {
        // batch_tokens is left at its default, 4096, which 300-token windows do not fill exactly.
        var problem = SingleProblem("""
            calibration: { text: calib.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune:
                      sequence_length: 300
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 9, 11, "batch_tokens (4096)", "multiple of sequence_length (300)");
    }

    [Fact]
    public void GivenAVariantBatchThatDoesNotFitTheDefaultsWindowLengthItIsReportedAtTheVariantsBatch()
    {
        var problem = SingleProblem("""
            calibration: { text: calib.txt }
            defaults:
              finetune: { sequence_length: 128 }
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune: { batch_tokens: 200 }
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 10, 21, "batch_tokens (200)", "multiple of sequence_length (128)");
    }

    [Theory]
    [InlineData("loss: kl", 27, "ce, kd", "did you mean 'kd'?")]
    [InlineData("params: atention", 29, "attention, all", "did you mean 'attention'?")]
    [InlineData("mode: layer-wise", 27, "auto, end-to-end, layerwise", "did you mean 'layerwise'?")]
    public void GivenAnUnknownLossOrParamsItListsTheChoicesAndSuggestsTheClosest(string entry, int column, string choices, string suggestion)
    {
        var problem = SingleProblem($$"""
            calibration: { text: calib.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune: { {{entry}} }
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 8, column, choices, suggestion);
    }

    [Theory]
    [InlineData("merge: meen", 20, "aligned, mean", "did you mean 'mean'?")]
    [InlineData("fitness: wes", 22, "aligned, wse", "did you mean 'wse'?")]
    [InlineData("allocation: measure", 25, "auto, measured, estimated, gradient, wse, uniform", "did you mean 'measured'?")]
    public void GivenAMisspeltRecipeValueItListsTheChoicesAndSuggestsTheClosest(string entry, int column, string choices, string suggestion)
    {
        var problem = SingleProblem($$"""
            calibration: { text: calib.txt }
            defaults: { {{entry}} }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 2, column, choices, suggestion);
    }

    [Theory]
    [InlineData("learning_rate: 0", "learning_rate must be a number above 0")]
    [InlineData("learning_rate: -0.1", "learning_rate must be a number above 0")]
    [InlineData("learning_rate: .nan", "learning_rate must be a number above 0")]
    [InlineData("steps: 0", "steps must be between 1 and")]
    [InlineData("seed: -1", "seed must be between 0 and")]
    [InlineData("sequence_length: 1", "sequence_length must be between 2 and")]
    public void GivenAnOutOfRangeFinetuneNumberItIsReportedAtTheValue(string entry, string fragment)
    {
        var problem = SingleProblem($$"""
            calibration: { text: calib.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune:
                      {{entry}}
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 9, entry.IndexOf(':') + 13, fragment);
    }

    [Fact]
    public void GivenFinetuneTrueItAsksForAMappingOrFalse()
    {
        var problem = SingleProblem("""
            calibration: { text: calib.txt }
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, finetune: true }
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 5, 60, "mapping of settings", "or false");
    }

    [Fact]
    public void GivenAMissingCalibrationTextFileItIsReportedAtTheTextNamingTheFile()
    {
        var problem = SingleProblem("""
            calibration:
              text: missing.txt
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, merge: mean }
            """);

        AssertProblem(problem, ErrorCodes.BadEvaluationInput, 2, 9, "calibration text file 'missing.txt' was not found", Full("missing.txt"));
    }

    [Fact]
    public void GivenACalibrationTextThatIsAFolderItSaysSo()
    {
        Directory.CreateDirectory(Full("texts"));

        var problem = SingleProblem("""
            models:
              - path: models/tiny-llama
                calibration: { text: texts }
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """);

        AssertProblem(problem, ErrorCodes.BadEvaluationInput, 3, 26, "'texts' is a folder");
    }

    [Fact]
    public void GivenAMissingFinetuneTextFileItIsReportedAtTheTextNamingTheFile()
    {
        var problem = SingleProblem("""
            models:
              - path: models/tiny-llama
                variants:
                  - name: a
                    mode: arbitrary
                    budget: 0.5
                    finetune: { text: gone.txt, steps: 2 }
            """);

        AssertProblem(problem, ErrorCodes.BadEvaluationInput, 7, 27, "fine-tuning text file 'gone.txt' was not found");
    }

    [Fact]
    public void GivenACalibrationWithoutTextItIsAMissingKeyAtTheMapping()
    {
        var problem = SingleProblem("""
            calibration:
              max_tokens: 4096
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5, merge: mean }
            """);

        AssertProblem(problem, ErrorCodes.SpecMissingKey, 2, 3, "missing 'text'");
    }

    [Theory]
    [InlineData("max_tokens: 1", "max_tokens must be between 2 and")]
    [InlineData("probe_tokens: 1", "probe_tokens must be between 2 and")]
    [InlineData("max_tokens: many", "max_tokens must be a whole number")]
    public void GivenABadCalibrationTokenCountItIsReportedAtTheValue(string entry, string fragment)
    {
        var problem = SingleProblem($$"""
            calibration:
              text: calib.txt
              {{entry}}
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """);

        AssertProblem(problem, ErrorCodes.SpecBadValue, 3, entry.IndexOf(':') + 5, fragment);
    }

    [Fact]
    public void GivenAnUnknownKeyInCalibrationItSuggestsTheKnownOne()
    {
        var problem = SingleProblem("""
            calibration:
              text: calib.txt
              max_token: 4096
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """);

        AssertProblem(problem, ErrorCodes.SpecUnknownKey, 3, 3, "Unknown key 'max_token' in calibration", "did you mean 'max_tokens'?");
    }

    [Fact]
    public void GivenAnUnknownKeyInAModelsCalibrationItNamesTheModel()
    {
        var problem = SingleProblem("""
            models:
              - path: models/tiny-llama
                calibration: { text: calib.txt, probes: 10 }
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """);

        AssertProblem(problem, ErrorCodes.SpecUnknownKey, 3, 37, "Unknown key 'probes'", "model 'tiny-llama'", "expected one of: text, max_tokens, probe_tokens.");
    }

    [Fact]
    public void GivenAnUnknownKeyInFinetuneItSuggestsTheKnownOne()
    {
        var problem = SingleProblem("""
            calibration: { text: calib.txt }
            defaults:
              finetune:
                learning_rte: 0.001
            models:
              - path: models/tiny-llama
                variants:
                  - { name: a, mode: arbitrary, budget: 0.5 }
            """);

        AssertProblem(problem, ErrorCodes.SpecUnknownKey, 4, 5, "Unknown key 'learning_rte' in defaults.finetune", "did you mean 'learning_rate'?");
    }
}
