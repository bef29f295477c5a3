using System.CommandLine;
using Qcqa.Cli.Infrastructure;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Spec;
using Serilog;

namespace Qcqa.Cli.Commands.Merge;

/// <summary>Writes a compressed checkpoint from a model and a grouping file.</summary>
internal sealed class MergeCommand(ParseResult parseResult, ILogger log)
{
    private readonly string _model = parseResult.GetValue(MergeCommandDefinition.ModelArgument)!;
    private readonly string _groupingPath = parseResult.GetValue(MergeCommandDefinition.GroupingOption)!;
    private readonly string _out = parseResult.GetValue(MergeCommandDefinition.OutOption)!;
    private readonly MergeMethod _method = SpecNames.MergeMethods[parseResult.GetValue(MergeCommandDefinition.MethodOption)!];
    private readonly string? _calibration = parseResult.GetValue(MergeCommandDefinition.CalibrationOption);
    private readonly string _device = parseResult.GetValue(MergeCommandDefinition.DeviceOption)!;

    internal int Execute(CancellationToken cancellation)
    {
        Recovery.CheckCalibrationText(_calibration);
        using var checkpoint = Checkpoint.Open(_model);
        var grouping = GroupingFile.Read(_groupingPath, checkpoint.KvHeadsPerLayer);
        WarningCodes.LogNonFinite(log, checkpoint);
        using var aligned = _method == MergeMethod.Aligned ? Recovery.OpenAligned(checkpoint, _calibration, _device, log, cancellation).Model : null;
        var result = CheckpointMerger.Merge(checkpoint, grouping, _out, new MergeOptions
        {
            GroupingPath = _groupingPath,
            Cancellation = cancellation,
            Projections = aligned is null ? null : layer => aligned.Projections(layer, grouping.Layers[layer].Grouping),
        });
        log.Information("Wrote {Output} as {Form} ({Method} merge): {KvHeads} KV heads, KV cache {Before:N0} -> {After:N0} bytes per token",
            result.OutputFolder, result.Form, _method.ToSpecString(), result.KvHeadsPerLayer.Sum(), result.KvCacheBytesPerTokenBefore, result.KvCacheBytesPerTokenAfter);
        foreach (var skipped in result.SkippedFiles) log.Warning("Not copied (stale uncompressed weights or pickle): {File}", skipped);
        return 0;
    }
}
