using System.CommandLine;
using Qcqa.Cli.Infrastructure;

namespace Qcqa.Cli.Commands.Merge;

/// <summary><c>dotnet qcqa merge &lt;model-dir&gt; --grouping &lt;grouping.json&gt; --out &lt;dir&gt; [--method aligned|mean] [--calibration text]</c>.</summary>
internal static class MergeCommandDefinition
{
    internal static readonly Argument<string> ModelArgument = new Argument<string>("model-dir") { Description = "Hugging Face model folder to compress (never modified)." }.NonEmptyPath();
    internal static readonly Option<string> GroupingOption = new Option<string>("--grouping") { Description = "Grouping file (JSON): which KV heads share one KV head, per layer.", Required = true }.NonEmptyPath();
    internal static readonly Option<string> OutOption = new Option<string>("--out", "-o") { Description = "Output folder for the compressed checkpoint.", Required = true }.NonEmptyPath();
    internal static readonly Option<string> MethodOption = new("--method")
    {
        Description = "aligned: one fitted head per group, each query head reading it through a map folded into its q/o weights (loads libtorch); mean: the paper's mean of the group's heads.",
        DefaultValueFactory = _ => "aligned",
    };
    internal static readonly Option<string?> CalibrationOption = CommonOptions.CreateCalibrationOption();
    internal static readonly Option<string> DeviceOption = CommonOptions.CreateDeviceOption();

    internal static Command Create()
    {
        var command = new Command("merge", "Merge the K/V heads of every group (aligned by default, or mean-pooled) and write the compressed checkpoint.");
        command.Arguments.Add(ModelArgument);
        command.Options.Add(GroupingOption);
        command.Options.Add(OutOption);
        command.Options.Add(MethodOption);
        command.Options.Add(CalibrationOption);
        command.Options.Add(DeviceOption);
        MethodOption.AcceptOnlyFromAmong("aligned", "mean");
        command.SetAction((parseResult, ct) => CommandRunner.RunAsync(parseResult, (log, token) => Task.FromResult(new MergeCommand(parseResult, log).Execute(token)), ct));
        return command;
    }
}
