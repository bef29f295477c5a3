using System.CommandLine;
using System.Diagnostics;
using Qcqa.Cli.Infrastructure;
using Qcqa.Cli.Output;
using Qcqa.Core;
using Qcqa.Core.Allocation;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Spec;
using Qcqa.Core.Statistics;
using Serilog;

namespace Qcqa.Cli.Commands.Search;

/// <summary>Runs stage 1 and stage 2 on one model and writes the grouping (and optionally the fronts).</summary>
internal sealed class SearchCommand(ParseResult parseResult, ILogger log)
{
    private readonly string _model = parseResult.GetValue(SearchCommandDefinition.ModelArgument)!;
    private readonly GroupingMode _mode = GroupingModes.SpecModes[parseResult.GetValue(SearchCommandDefinition.ModeOption)!];
    private readonly double? _budget = parseResult.GetValue(SearchCommandDefinition.BudgetOption);
    private readonly bool _perLayer = parseResult.GetValue(SearchCommandDefinition.PerLayerOption);
    private readonly Stage2Method _stage2 = parseResult.GetValue(SearchCommandDefinition.Stage2Option);
    private readonly int? _paperGroups = parseResult.GetValue(SearchCommandDefinition.PaperGroupsOption);
    private readonly string? _out = parseResult.GetValue(SearchCommandDefinition.OutOption);
    private readonly string? _frontsOut = parseResult.GetValue(SearchCommandDefinition.FrontsOption);
    private readonly FitnessKind _fitness = SpecNames.Fitnesses[parseResult.GetValue(SearchCommandDefinition.FitnessOption)!];
    private readonly string? _calibration = parseResult.GetValue(SearchCommandDefinition.CalibrationOption);
    private readonly string _device = parseResult.GetValue(SearchCommandDefinition.DeviceOption)!;
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
        Recovery.CheckCalibrationText(_calibration);
        var budget = RequestedBudget();
        var timings = new SearchTimings { StartUp = SearchTimings.SinceProcessStart() };
        var total = Stopwatch.StartNew();
        using var checkpoint = Checkpoint.Open(_model);
        var resolved = budget?.Resolve(checkpoint.KvHeadsPerLayer, _mode).GetOrThrow();
        var read = new LayerKvTimings();
        var cpu = SearchTimings.ProcessorTime();
        var statistics = new StatisticsStage(cache: null, log, _settings.Threads).Run(checkpoint, cancellation: cancellation, timings: read);
        timings.Statistics = read;
        timings.StatisticsCpu = SearchTimings.ProcessorTime() - cpu;
        log.Information("Gram matrices of {Layers} layers in {Seconds:0.00} s ({Bytes:0.00} GB of K/V read in {Read:0.00} s, overlapped with {Compute:0.00} s of computing on {Threads} threads)",
            statistics.LayerCount, read.Wall.TotalSeconds, read.Bytes / 1e9, read.Read.TotalSeconds, read.Compute.TotalSeconds, read.Threads);

        // The aligned fitness: stage 1 ranks groupings by the aligned merge's pairwise error and every front point carries
        // its exact aligned error, which stage 2 then minimises (calibrated when --calibration names a text).
        var clock = Stopwatch.StartNew();
        cpu = SearchTimings.ProcessorTime();
        using var aligned = _fitness == FitnessKind.Aligned && _mode != GroupingMode.Mqa
            ? Recovery.OpenAligned(checkpoint, _calibration, _device, log, cancellation).Model
            : null;
        SearchFitness? fitness = null;
        if (aligned is not null)
        {
            var alignedStatistics = new AlignedStatisticsStage(cache: null, log).Run(checkpoint, statistics, aligned, _calibration ?? "", "", Path.GetFileName(checkpoint.Folder));
            log.Information("Aligned fitness of {Layers} layers in {Seconds:0.0} s", statistics.LayerCount, clock.Elapsed.TotalSeconds);
            fitness = new SearchFitness(alignedStatistics, aligned.Errors);
        }
        timings.Fitness = clock.Elapsed;
        timings.FitnessCpu = SearchTimings.ProcessorTime() - cpu;

        clock.Restart();
        cpu = SearchTimings.ProcessorTime();
        var fronts = new SearchStage(cache: null, log).Run(new SearchInput(statistics, _mode, _settings, fitness), cancellation);
        timings.Stage1 = clock.Elapsed;
        timings.Stage1Cpu = SearchTimings.ProcessorTime() - cpu;
        if (fronts is not null) log.Information("Stage 1 ({Mode}) in {Seconds:0.00} s", _mode.ToName(), clock.Elapsed.TotalSeconds);
        clock.Restart();
        var grouping = AllocationStage.Run(new AllocationInput(statistics, fronts, _mode, resolved, _stage2, _paperGroups));
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
        GroupingSummary.Write(output, grouping, statistics.Grams);
        timings.Search = total.Elapsed;
        timings.TotalCpu = SearchTimings.ProcessorTime();
        if (_timingsOut is not null) AtomicFile.WriteAllText(_timingsOut, timings.ToJson());
        return 0;
    }

    // The same budget type as a spec's; its rules (range, rounding, what the mode can make) are applied by Resolve.
    // Where a spec's budget points at its line, this one points at the option it was written in.
    private KvBudget? RequestedBudget()
    {
        if (_mode == GroupingMode.Mqa) return null;
        if (_budget is not { } fraction)
            throw new QcqaException(ErrorCodes.BadArgument, $"--kv-budget is required for mode {_mode.ToName()} (a fraction in (0, 1], e.g. 0.5).");
        var location = new SourceLocation(SearchCommandDefinition.BudgetOption.Name, 0, 0);
        return _perLayer ? KvBudget.EveryLayer(fraction, location) : KvBudget.Global(fraction, location);
    }
}
