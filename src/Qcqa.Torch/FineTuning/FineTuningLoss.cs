namespace Qcqa.Torch.FineTuning;

/// <summary>What fine-tuning minimises (spec spelling in brackets).</summary>
public enum FineTuningLoss
{
    /// <summary>
    /// (<c>ce</c>) The plain language-model loss of the paper: mean cross-entropy of the next token over every position
    /// of every window.
    /// </summary>
    CrossEntropy,

    /// <summary>
    /// (<c>kd</c>) Distillation from the original model: mean over positions of KL(p_teacher ‖ p_student) of the
    /// next-token distributions (temperature 1), the teacher run in eval mode without gradients.
    /// </summary>
    Distillation,
}
