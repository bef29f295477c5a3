using System.CommandLine;
using Qcqa.Cli.Infrastructure;
using Qcqa.Core.Allocation;

namespace Qcqa.Cli.Commands.Search;

/// <summary>
/// <c>dotnet qcqa search &lt;model-dir&gt; --mode arbitrary|equal|gqa|mqa --kv-budget F [--per-layer] [--seed N]
/// [--fitness aligned|wse] [--calibration text] [--out grouping.json] [--fronts fronts.json] [--timings timings.json]</c>.
/// </summary>
internal static class SearchCommandDefinition
{
    internal static readonly Argument<string> ModelArgument = new Argument<string>("model-dir") { Description = "Hugging Face model folder." }.NonEmptyPath();
    internal static readonly Option<string> ModeOption = new("--mode", "-m")
    {
        Description = "arbitrary (QCQA-AC), equal (QCQA-EC), gqa (neighbouring heads) or mqa (one KV head per layer).",
        DefaultValueFactory = _ => "arbitrary",
    };
    internal static readonly Option<double?> BudgetOption = new("--kv-budget", "-b") { Description = "KV-cache fraction to keep, in (0, 1]; global unless --per-layer." };
    internal static readonly Option<bool> PerLayerOption = new("--per-layer") { Description = "Every layer keeps round(F·H) KV heads (equal mode: the nearest divisor of H)." };
    internal static readonly Option<int> SeedOption = new("--seed") { Description = "Random seed; the same seed gives the same result on any number of threads.", DefaultValueFactory = _ => 1 };
    internal static readonly Option<int> PopulationOption = new Option<int>("--population") { Description = "Population of the evolutionary search (4 to 100000).", DefaultValueFactory = _ => 64 }.InRange(4, 100_000);
    internal static readonly Option<int> GenerationsOption = new Option<int>("--generations") { Description = "Generations of the evolutionary search (0 to 1000000).", DefaultValueFactory = _ => 40 }.InRange(0, 1_000_000);
    internal static readonly Option<int?> ThreadsOption = new Option<int?>("--threads") { Description = "Layers read and searched at once, 1 to 1024 (default: processor count)." }.InRange(1, 1024);
    internal static readonly Option<Stage2Method> Stage2Option = new("--stage2")
    {
        Description = "exact (knapsack over every G per layer) or paper (each layer grouped at one G or kept MHA).",
        DefaultValueFactory = _ => Stage2Method.Exact,
    };
    internal static readonly Option<int?> PaperGroupsOption = new Option<int?>("--paper-kv-heads") { Description = "With --stage2 paper: the KV heads of grouped layers." }.InRange(1, int.MaxValue);
    internal static readonly Option<string> FitnessOption = new("--fitness")
    {
        Description = "aligned: the error the aligned merge leaves (loads libtorch); wse: the paper's weight-sharing error of raw weights.",
        DefaultValueFactory = _ => "aligned",
    };
    internal static readonly Option<string?> CalibrationOption = CommonOptions.CreateCalibrationOption();
    internal static readonly Option<string> DeviceOption = CommonOptions.CreateDeviceOption();
    internal static readonly Option<string?> OutOption = new Option<string?>("--out", "-o") { Description = "Write the grouping file here." }.NonEmptyPath();
    internal static readonly Option<string?> FrontsOption = new Option<string?>("--fronts") { Description = "Write every layer's best grouping for every G (the Pareto fronts) here." }.NonEmptyPath();
    internal static readonly Option<string?> TimingsOption = new Option<string?>("--timings") { Description = "Write where the time went (start-up, read, Gram, stage 1, stage 2; JSON) here." }.NonEmptyPath();

    internal static Command Create()
    {
        var command = new Command("search", "Find which heads should share a KV head in every layer, and how many KV heads each layer keeps under a budget.");
        command.Arguments.Add(ModelArgument);
        foreach (var option in new Option[] { ModeOption, BudgetOption, PerLayerOption, SeedOption, PopulationOption, GenerationsOption, ThreadsOption, Stage2Option, PaperGroupsOption, FitnessOption, CalibrationOption, DeviceOption, OutOption, FrontsOption, TimingsOption })
            command.Options.Add(option);
        ModeOption.AcceptOnlyFromAmong("arbitrary", "equal", "gqa", "mqa");
        FitnessOption.AcceptOnlyFromAmong("aligned", "wse");
        command.SetAction((parseResult, ct) => CommandRunner.RunAsync(parseResult, (log, token) => Task.FromResult(new SearchCommand(parseResult, log).Execute(Console.Out, token)), ct));
        return command;
    }
}
