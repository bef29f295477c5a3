using System.CommandLine;
using Qcqa.Cli.Output;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;
using Serilog;

namespace Qcqa.Cli.Commands.Wse;

/// <summary>Evaluates a grouping file against a model and compares every layer with plain GQA at the same size.</summary>
internal sealed class WseCommand(ParseResult parseResult, ILogger log)
{
    private readonly string _model = parseResult.GetValue(WseCommandDefinition.ModelArgument)!;
    private readonly string _groupingPath = parseResult.GetValue(WseCommandDefinition.GroupingOption)!;
    private readonly bool _json = parseResult.GetValue(WseCommandDefinition.JsonOption);

    internal int Execute(TextWriter output)
    {
        using var checkpoint = Checkpoint.Open(_model);
        var grouping = GroupingFile.Read(_groupingPath, checkpoint.KvHeadsPerLayer);
        var grams = new StatisticsStage(cache: null, log).Run(checkpoint).Grams;
        var evaluated = GroupingEvaluator.Evaluate(grouping, grams, _groupingPath);
        if (_json)
        {
            output.WriteLine(GroupingFile.ToJson(evaluated));
            return 0;
        }
        GroupingSummary.Write(output, evaluated, grams);
        return 0;
    }
}
