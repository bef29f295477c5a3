using Qcqa.Core.Pipeline;

namespace Qcqa.Cli.Commands.Build;

/// <summary>The evaluator the build uses when the spec asks for evaluation.</summary>
internal static class Evaluators
{
    // Evaluation needs libtorch; until the Torch-backed evaluator is wired, builds skip it with a warning.
    internal static IModelEvaluator? Default() => null;
}
