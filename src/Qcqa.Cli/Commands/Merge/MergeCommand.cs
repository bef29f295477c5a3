using System.CommandLine;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Wse;
using Serilog;

namespace Qcqa.Cli.Commands.Merge;

/// <summary>Writes a compressed checkpoint from a model and a grouping file.</summary>
internal sealed class MergeCommand(ParseResult parseResult, ILogger log)
{
    private readonly string _model = parseResult.GetValue(MergeCommandDefinition.ModelArgument)!;
    private readonly string _groupingPath = parseResult.GetValue(MergeCommandDefinition.GroupingOption)!;
    private readonly string _out = parseResult.GetValue(MergeCommandDefinition.OutOption)!;

    internal int Execute(CancellationToken cancellation)
    {
        using var checkpoint = Checkpoint.Open(_model);
        var grouping = GroupingFile.Read(_groupingPath, GroupingEvaluator.UnitsPerLayer(checkpoint));
        WarningCodes.LogNonFinite(log, checkpoint);
        var result = CheckpointMerger.Merge(checkpoint, grouping, _out, new MergeOptions { GroupingPath = _groupingPath, Cancellation = cancellation });
        log.Information("Wrote {Output} as {Form}: {KvHeads} KV heads, KV cache {Before:N0} -> {After:N0} bytes per token",
            result.OutputFolder, result.Form, result.KvHeadsPerLayer.Sum(), result.KvCacheBytesPerTokenBefore, result.KvCacheBytesPerTokenAfter);
        foreach (var skipped in result.SkippedFiles) log.Warning("Not copied (stale uncompressed weights or pickle): {File}", skipped);
        return 0;
    }
}
