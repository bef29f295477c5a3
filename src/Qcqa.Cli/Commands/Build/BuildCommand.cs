using System.CommandLine;
using Qcqa.Core.Cache;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Evaluation;
using Qcqa.Core.Pipeline;
using Qcqa.Core.Progress;
using Qcqa.Core.Spec;
using Serilog;

namespace Qcqa.Cli.Commands.Build;

/// <summary>Runs the build pipeline for a spec.</summary>
internal sealed class BuildCommand(ParseResult parseResult, ILogger log, IModelEvaluator? evaluator = null, IProgress<BuildProgressEvent>? progress = null)
{
    internal int Execute(CancellationToken cancellation)
    {
        var spec = Path.GetFullPath(parseResult.GetValue(BuildCommandDefinition.SpecArgument)!);
        if (!File.Exists(spec)) throw new QcqaException(ErrorCodes.FileNotFound, "The spec file does not exist.", spec);
        var specFolder = Path.GetDirectoryName(spec)!;
        var device = parseResult.GetValue(BuildCommandDefinition.DeviceOption);
        var request = new BuildRequest
        {
            SpecPath = spec,
            OutputFolder = parseResult.GetValue(BuildCommandDefinition.OutOption) ?? Path.Combine(specFolder, "qcqa-out"),
            CacheFolder = parseResult.GetValue(BuildCommandDefinition.CacheOption) ?? Path.Combine(specFolder, "obj", ContentCache.DefaultFolderName),
            DependencyFile = parseResult.GetValue(BuildCommandDefinition.DepsFileOption),
            DeviceOverride = device is null ? null : SpecNames.Devices[device],
            MemoryLimit = parseResult.GetValue(BuildCommandDefinition.MemoryLimitOption),
            Threads = parseResult.GetValue(BuildCommandDefinition.ThreadsOption) ?? Environment.ProcessorCount,
            CalibrationText = parseResult.GetValue(BuildCommandDefinition.CalibrationOption) is { } calibration ? Path.GetFullPath(calibration) : null,
        };
        // What the build produced reaches MSBuild through the dependency file (--deps-file), not the protocol.
        BuildPipeline.Run(request, log, Evaluators.Services(log, evaluator), cancellation, progress);
        return 0;
    }
}
