using System.CommandLine;
using System.Diagnostics;
using Qcqa.Cli.Output;
using Qcqa.Core;
using Qcqa.Core.Allocation;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Pipeline;
using Qcqa.Core.Search;
using Qcqa.Core.Spec;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;
using Serilog;

namespace Qcqa.Cli.Commands.Search;

/// <summary>Runs stage 1 and stage 2 on one model and writes the grouping (and optionally the fronts).</summary>
internal sealed class SearchCommand(ParseResult parseResult, ILogger log)
{
    private readonly string _model = parseResult.GetValue(SearchCommandDefinition.ModelArgument)!;
    private readonly VariantMode _mode = SpecNames.Modes[parseResult.GetValue(SearchCommandDefinition.ModeOption)!];
    private readonly double? _budget = parseResult.GetValue(SearchCommandDefinition.BudgetOption);
    private readonly bool _perLayer = parseResult.GetValue(SearchCommandDefinition.PerLayerOption);
    private readonly Stage2Method _stage2 = parseResult.GetValue(SearchCommandDefinition.Stage2Option);
    private readonly int? _paperGroups = parseResult.GetValue(SearchCommandDefinition.PaperGroupsOption);
    private readonly string? _out = parseResult.GetValue(SearchCommandDefinition.OutOption);
    private readonly string? _frontsOut = parseResult.GetValue(SearchCommandDefinition.FrontsOption);
    private readonly string? _timingsOut = parseResult.GetValue(SearchCommandDefinition.TimingsOption);
    private readonly SearchSettings _settings = new()
    {
        Seed = parseResult.GetValue(SearchCommandDefinition.SeedOption),
        Population = parseResult.GetValue(SearchCommandDefinition.PopulationOption),
        Generations = parseResult.GetValue(SearchCommandDefinition.GenerationsOption),
        Threads = parseResult.GetValue(SearchCommandDefinition.ThreadsOption) ?? Environment.ProcessorCount,
    };

    internal int Execute(TextWriter output, CancellationToken cancellation)
    {
        var budget = ValidatedBudget();
        var timings = new SearchTimings { StartUp = SearchTimings.SinceProcessStart() };
        var total = Stopwatch.StartNew();
        using var checkpoint = Checkpoint.Open(_model);
        var statistics = new LayerKvTimings();
        var cpu = SearchTimings.ProcessorTime();
        var grams = GroupingEvaluator.ComputeGrams(checkpoint, _settings.Threads, cancellation, statistics);
        timings.Statistics = statistics;
        timings.StatisticsCpu = SearchTimings.ProcessorTime() - cpu;
        log.Information("Gram matrices of {Layers} layers in {Seconds:0.00} s ({Bytes:0.00} GB of K/V read in {Read:0.00} s, overlapped with {Compute:0.00} s of computing on {Threads} threads)",
            grams.Length, statistics.Wall.TotalSeconds, statistics.Bytes / 1e9, statistics.Read.TotalSeconds, statistics.Compute.TotalSeconds, statistics.Threads);

        var clock = Stopwatch.StartNew();
        cpu = SearchTimings.ProcessorTime();
        var fronts = GroupingPlanner.BuildFronts(grams, _mode, _settings, new SearchProgressLog(log, Path.GetFileName(checkpoint.Folder), grams.Length), cancellation);
        timings.Stage1 = clock.Elapsed;
        timings.Stage1Cpu = SearchTimings.ProcessorTime() - cpu;
        if (fronts is not null) log.Information("Stage 1 ({Mode}) in {Seconds:0.00} s", _mode.ToSpecString(), clock.Elapsed.TotalSeconds);
        clock.Restart();
        var grouping = GroupingPlanner.Allocate(grams, fronts, _mode, budget, _stage2, _paperGroups);
        timings.Stage2 = clock.Elapsed;

        if (_out is not null)
        {
            GroupingFile.Write(_out, grouping);
            log.Information("Wrote grouping {Path}", Path.GetFullPath(_out));
        }
        if (_frontsOut is not null && fronts is not null)
        {
            AtomicFile.WriteAllText(_frontsOut, FrontsFile.ToJson(fronts));
            log.Information("Wrote fronts {Path}", Path.GetFullPath(_frontsOut));
        }
        GroupingSummary.Write(output, grouping, grams);
        timings.Search = total.Elapsed;
        timings.TotalCpu = SearchTimings.ProcessorTime();
        if (_timingsOut is not null) AtomicFile.WriteAllText(_timingsOut, timings.ToJson());
        return 0;
    }

    private KvBudget? ValidatedBudget()
    {
        if (_mode == VariantMode.Mqa) return null;
        if (_budget is not { } fraction)
            throw new QcqaException(ErrorCodes.BadArgument, $"--kv-budget is required for mode {_mode.ToSpecString()} (a fraction in (0, 1], e.g. 0.5).");
        if (!(fraction > 0 && fraction <= 1))
            throw new QcqaException(ErrorCodes.ImpossibleBudget, $"--kv-budget must be in (0, 1]; got {fraction}.");
        return _perLayer ? KvBudget.EveryLayer(fraction) : KvBudget.Global(fraction);
    }
}
