using Qcqa.Core.Evaluation;
using Qcqa.Torch.Evaluation;
using Serilog;

namespace Qcqa.Cli.Commands.Build;

/// <summary>The evaluator the build uses when the spec asks for evaluation.</summary>
internal static class Evaluators
{
    // Constructing it touches no TorchSharp type: libtorch loads only when a checkpoint is actually evaluated.
    internal static IModelEvaluator Default(ILogger log) => new TorchModelEvaluator(log);
}
