using System.CommandLine;
using Qcqa.Cli.Infrastructure;
using Qcqa.Cli.Output;
using Qcqa.Core.Build;

namespace Qcqa.Cli.Commands.Build;

/// <summary>
/// <c>dotnet qcqa build [qcqa.yaml] [--out DIR] [--cache DIR] [--device cpu|cuda|auto] [--calibration text] [--memory-limit SIZE] [--deps-file F] [--msbuild]</c>.
/// </summary>
internal static class BuildCommandDefinition
{
    internal static readonly Argument<string> SpecArgument = new("spec")
    {
        Description = "The spec (default: qcqa.yaml in the current folder).",
        DefaultValueFactory = _ => "qcqa.yaml",
    };
    internal static readonly Option<string?> OutOption = new Option<string?>("--out", "-o") { Description = "Output folder (default: qcqa-out beside the spec)." }.NonEmptyPath();
    internal static readonly Option<string?> CacheOption = new Option<string?>("--cache") { Description = "Cache folder (default: obj/qcqa-cache beside the spec); keep it between CI runs." }.NonEmptyPath();
    internal static readonly Option<string?> DeviceOption = new("--device") { Description = "Override every variant's device: cpu, cuda or auto." };
    internal static readonly Option<string?> DepsFileOption = new Option<string?>("--deps-file") { Description = "Write the files read and written here (for MSBuild's incremental build)." }.NonEmptyPath();
    internal static readonly Option<bool> MsBuildOption = new("--msbuild") { Description = "Speak the MSBuild task protocol on standard output." };
    internal static readonly Option<string?> CalibrationOption = CommonOptions.CreateCalibrationOption();
    internal static readonly Option<long?> MemoryLimitOption = CommonOptions.CreateMemoryLimitOption();
    internal static readonly Option<int?> ThreadsOption = new Option<int?>("--threads") { Description = "Layers read and searched at once, 1 to 1024 (default: processor count)." }.InRange(1, 1024);

    internal static Command Create()
    {
        var command = new Command("build", "Build every variant of a qcqa.yaml spec: search, merge, evaluate and report, reusing cached work.");
        command.Arguments.Add(SpecArgument);
        foreach (var option in new Option[] { OutOption, CacheOption, DeviceOption, CalibrationOption, DepsFileOption, MsBuildOption, ThreadsOption, MemoryLimitOption })
            command.Options.Add(option);
        DeviceOption.AcceptOnlyFromAmong("cpu", "cuda", "auto");
        command.SetAction(async (parseResult, ct) =>
        {
            var protocol = parseResult.GetValue(MsBuildOption) ? new EngineProtocolWriter(Console.Out) : null;
            using var progress = BuildProgressDisplay.For(protocol, parseResult.GetValue(CommonOptions.VerbosityOption));
            return await CommandRunner.RunAsync(parseResult, (log, token) => Task.FromResult(new BuildCommand(parseResult, log, progress: progress.Progress).Execute(token)),
                ct, protocol: protocol, ansiLog: progress.IsLive);
        });
        return command;
    }
}
