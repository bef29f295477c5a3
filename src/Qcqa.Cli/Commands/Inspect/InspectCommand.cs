using System.CommandLine;
using System.Text.Json;
using Qcqa.Cli.Output;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Inspection;

namespace Qcqa.Cli.Commands.Inspect;

/// <summary>Prints what a checkpoint holds and what compressing it would cost.</summary>
internal sealed class InspectCommand(ParseResult parseResult)
{
    private readonly string _model = parseResult.GetValue(InspectCommandDefinition.ModelArgument)!;
    private readonly bool _json = parseResult.GetValue(InspectCommandDefinition.JsonOption);

    internal int Execute(TextWriter output)
    {
        using var checkpoint = Checkpoint.Open(_model);
        var inspection = ModelInspector.Inspect(checkpoint);
        if (_json)
        {
            output.WriteLine(JsonSerializer.Serialize(inspection, JsonOutput.Options));
            return 0;
        }
        output.WriteLine($"model          {inspection.Folder} ({inspection.ModelType ?? "unknown type"})");
        output.WriteLine($"family         {inspection.Family}: {inspection.FamilyDescription}");
        output.WriteLine($"layers         {inspection.Layers}");
        output.WriteLine($"heads          {inspection.QueryHeads} query, {inspection.KvHeads} KV, head size {inspection.HeadDim}, width {inspection.HiddenSize}");
        output.WriteLine($"dtype          {inspection.AttentionDtype}");
        output.WriteLine($"parameters     {inspection.ParameterCount:N0}");
        output.WriteLine($"KV cache       {inspection.KvCacheBytesPerToken:N0} bytes per token");
        output.WriteLine();
        var table = new TextTable("layer", "query heads", "KV heads", "GQA 50% KV heads", "GQA 50% WSE rel.");
        foreach (var layer in inspection.PerLayer)
            table.Add(layer.Index.ToString(), layer.QueryHeads.ToString(), layer.KvHeads.ToString(),
                layer.GqaHalfGroups?.ToString() ?? "n/a", layer.GqaHalfWseRelative is { } r ? r.ToString("0.0000") : "n/a");
        table.Write(output);
        return 0;
    }
}
