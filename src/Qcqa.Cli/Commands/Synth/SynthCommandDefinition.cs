using System.CommandLine;
using Qcqa.Cli.Infrastructure;

namespace Qcqa.Cli.Commands.Synth;

/// <summary>
/// <c>dotnet qcqa synth &lt;dir&gt; [--preset llama2-7b|llama2-7b-attention] [--layers N --heads H ...]</c>: writes a synthetic
/// Llama checkpoint, for trying the tool and for benchmarks at real model shapes without downloading a model.
/// </summary>
internal static class SynthCommandDefinition
{
    internal static readonly Argument<string> FolderArgument = new Argument<string>("dir") { Description = "Folder to create (must not exist, or be empty)." }.NonEmptyPath();
    internal static readonly Option<string?> PresetOption = new("--preset") { Description = "llama2-7b: a whole Llama-2-7B-shaped model (32 layers × 32 heads of 128, width 4096, MLP 11008, vocabulary 32000, BF16, 3 shards, ~13.5 GB); llama2-7b-attention: its attention tensors only (~4.3 GB)." };
    internal static readonly Option<int> LayersOption = new Option<int>("--layers") { DefaultValueFactory = _ => 4, Description = "Layers (1 to 1024); with --preset, the preset's layer shapes with this many layers." }.InRange(1, 1024);
    internal static readonly Option<int> HeadsOption = new Option<int>("--heads") { DefaultValueFactory = _ => 8, Description = "Query heads per layer (1 to 1024)." }.InRange(1, 1024);
    internal static readonly Option<int?> KvHeadsOption = new Option<int?>("--kv-heads") { Description = "KV heads per layer, a divisor of --heads (default: as many as query heads)." }.InRange(1, 1024);
    internal static readonly Option<int> HeadDimOption = new Option<int>("--head-dim") { DefaultValueFactory = _ => 16, Description = "Head size (1 to 1024)." }.InRange(1, 1024);
    internal static readonly Option<string> DtypeOption = new("--dtype") { DefaultValueFactory = _ => "F32", Description = "F32, F16 or BF16." };
    internal static readonly Option<int?> ClustersOption = new Option<int?>("--clusters") { Description = "Draw heads around this many hidden centres per layer, 1 to the KV heads (gives the search structure to find)." }.InRange(1, 1024);
    internal static readonly Option<ulong> SeedOption = new("--seed") { DefaultValueFactory = _ => 1UL, Description = "Random seed." };

    internal static Command Create()
    {
        var command = new Command("synth", "Write a synthetic Llama checkpoint with random (optionally clustered) weights.");
        command.Arguments.Add(FolderArgument);
        foreach (var option in new Option[] { PresetOption, LayersOption, HeadsOption, KvHeadsOption, HeadDimOption, DtypeOption, ClustersOption, SeedOption })
            command.Options.Add(option);
        PresetOption.AcceptOnlyFromAmong("llama2-7b", "llama2-7b-attention");
        command.SetAction((parseResult, ct) => CommandRunner.RunAsync(parseResult, (log, token) => Task.FromResult(new SynthCommand(parseResult, log).Execute(token)), ct));
        return command;
    }
}
