namespace Qcqa.Core.Tests.Pipeline;

public class EvaluationCachingTests
{
    private const string Spec = PipelineFixture.FourVariants + "\nevaluation: { text: held.txt }\n";

    [Fact]
    public void GivenAnEvaluationSpecEveryCheckpointIsEvaluatedOnceAndAChangedVariantAlone()
    {
        using var fixture = new PipelineFixture(Spec);
        File.WriteAllText(fixture.Folder.Combine("held.txt"), "In the beginning was the word.");
        var evaluator = new CountingEvaluator();

        var first = fixture.Build(evaluator: evaluator);
        var afterFirst = evaluator.Evaluated.Count;
        fixture.Build(evaluator: evaluator);
        var afterNoOp = evaluator.Evaluated.Count;
        fixture.WriteSpec(Spec.Replace("budget: 0.25", "budget: 0.375"));
        fixture.Build(evaluator: evaluator);

        Assert.Equal(["model", "gqa-50", "ec-50", "ac-50", "ac-25"], evaluator.Evaluated.Take(afterFirst));
        Assert.All(first.Rows, r => Assert.NotNull(r.Quality));
        Assert.Equal(afterFirst, afterNoOp);
        Assert.Equal(["ac-25"], evaluator.Evaluated.Skip(afterNoOp));
    }

    [Fact]
    public void GivenAChangedTokenizerFileEveryCheckpointIsEvaluatedAgain()
    {
        using var fixture = new PipelineFixture(Spec);
        File.WriteAllText(fixture.Folder.Combine("held.txt"), "In the beginning was the word.");
        var evaluator = new CountingEvaluator();
        fixture.Build(evaluator: evaluator);
        var afterFirst = evaluator.Evaluated.Count;

        // The tokens a model is evaluated on come from its tokenizer files (which its variants carry as copies).
        File.AppendAllText(fixture.Folder.Combine("model", "tokenizer_config.json"), "\n");
        fixture.Build(evaluator: evaluator);

        Assert.Equal(["model", "gqa-50", "ec-50", "ac-50", "ac-25"], evaluator.Evaluated.Skip(afterFirst));
    }

    [Fact]
    public void GivenAnotherPrecisionEveryCheckpointIsEvaluatedAgainInItAndTheReportSaysWhich()
    {
        using var fixture = new PipelineFixture(Spec);
        File.WriteAllText(fixture.Folder.Combine("held.txt"), "In the beginning was the word.");
        var evaluator = new CountingEvaluator();
        fixture.Build(evaluator: evaluator);
        var afterFirst = evaluator.Evaluated.Count;

        fixture.WriteSpec(Spec.Replace("{ text: held.txt }", "{ text: held.txt, precision: bfloat16 }"));
        fixture.Build(evaluator: evaluator);
        var afterBFloat16 = evaluator.Evaluated.Count;
        fixture.WriteSpec(Spec.Replace("{ text: held.txt }", "{ text: held.txt, precision: float32 }"));
        fixture.Build(evaluator: evaluator);

        Assert.Equal(["model", "gqa-50", "ec-50", "ac-50", "ac-25"], evaluator.Evaluated.Skip(afterFirst).Take(afterBFloat16 - afterFirst));
        Assert.All(evaluator.Precisions.Skip(afterFirst).Take(afterBFloat16 - afterFirst), p => Assert.Equal(Core.Evaluation.ComputePrecision.BFloat16, p));
        // Written out, float32 is the default: the evaluations cached before it are used.
        Assert.Equal(afterBFloat16, evaluator.Evaluated.Count);
    }
}
