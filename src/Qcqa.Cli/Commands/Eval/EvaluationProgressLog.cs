using Qcqa.Torch.Evaluation;
using Serilog;

namespace Qcqa.Cli.Commands.Eval;

/// <summary>Logs perplexity progress in steps of about a tenth of the run, so long runs show life without flooding the log.</summary>
internal sealed class EvaluationProgressLog(ILogger log) : IProgress<EvaluationProgress>
{
    private int _lastTenth;

    public void Report(EvaluationProgress value)
    {
        var tenth = value.WindowsTotal == 0 ? 10 : value.WindowsDone * 10 / value.WindowsTotal;
        if (tenth <= _lastTenth) return;
        _lastTenth = tenth;
        log.Information("Perplexity: {Done}/{Total} windows", value.WindowsDone, value.WindowsTotal);
    }
}
