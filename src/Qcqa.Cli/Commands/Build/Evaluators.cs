using Qcqa.Core.Evaluation;
using Qcqa.Core.Pipeline;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Calibration;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.FineTuning;
using Serilog;

namespace Qcqa.Cli.Commands.Build;

/// <summary>The device math the build uses: evaluation, calibration, the aligned merge and fine-tuning, all from Qcqa.Torch.</summary>
internal static class Evaluators
{
    // Constructing these touches no TorchSharp type: libtorch loads only when a stage actually needs it.
    internal static IModelEvaluator Default(ILogger log) => new TorchModelEvaluator(log);

    internal static BuildServices Services(ILogger log, IModelEvaluator? evaluator = null) => new()
    {
        Evaluator = evaluator ?? Default(log),
        Calibrator = new TorchCalibrator(),
        Alignment = new TorchAlignmentEngine(),
        FineTuner = new TorchFineTuner(),
    };
}
