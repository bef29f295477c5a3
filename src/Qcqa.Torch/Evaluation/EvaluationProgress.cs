namespace Qcqa.Torch.Evaluation;

/// <summary>How far a perplexity run has got, reported after every batch of windows.</summary>
/// <param name="WindowsDone">Windows evaluated so far.</param>
/// <param name="WindowsTotal">Windows the run will evaluate.</param>
public readonly record struct EvaluationProgress(int WindowsDone, int WindowsTotal);
