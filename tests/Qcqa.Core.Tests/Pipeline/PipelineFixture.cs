using Qcqa.Core.Evaluation;
using Qcqa.Core.Pipeline;
using Qcqa.Core.Progress;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Qcqa.Core.Tests.Pipeline;

/// <summary>A small model, a spec beside it, and a way to run the build and read what it logged.</summary>
internal sealed class PipelineFixture : IDisposable
{
    // The paper's recipe (mean merge, WSE fitness and allocation): Core's pipeline tests need no libtorch.
    internal const string FourVariants = """
        models:
          - name: tiny
            path: model
            variants:
              - name: gqa-50
                mode: gqa
                budget: 0.5
              - name: ec-50
                mode: equal
                budget: 0.5
              - name: ac-50
                mode: arbitrary
                budget: 0.5
              - name: ac-25
                mode: arbitrary
                budget: 0.25
        defaults: { merge: mean }
        """;

    internal PipelineFixture(string spec = FourVariants)
    {
        SyntheticModels.Write(Folder, new SyntheticCheckpointOptions { Layers = 3, Heads = 8, HeadDim = 6, Hidden = 24, Clusters = 2, Seed = 3 });
        WriteSpec(spec);
    }

    internal TempFolder Folder { get; } = new();

    internal string SpecPath => Folder.Combine("qcqa.yaml");

    internal string Output => Folder.Combine("out");

    internal List<string> Messages { get; } = [];

    internal void WriteSpec(string yaml) => File.WriteAllText(SpecPath, yaml);

    internal BuildResult Build(string? cache = null, IModelEvaluator? evaluator = null, IProgress<BuildProgressEvent>? progress = null)
        => Build(new BuildServices { Evaluator = evaluator }, cache, progress: progress);

    /// <summary>Runs the build with the given device math (fakes of Qcqa.Torch's), logging into <see cref="Messages"/>.</summary>
    /// <param name="services">The device math.</param>
    /// <param name="cache">The cache folder (default: <c>cache</c> in the fixture's folder).</param>
    /// <param name="calibrationText">The request's calibration text (the build's --calibration), or null.</param>
    /// <param name="progress">Receives the build's progress events, or null.</param>
    /// <param name="memoryLimit">The request's memory limit (the build's --memory-limit), or null.</param>
    internal BuildResult Build(BuildServices services, string? cache = null, string? calibrationText = null, IProgress<BuildProgressEvent>? progress = null,
        long? memoryLimit = null)
    {
        Messages.Clear();
        using var logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(new ListSink(Messages)).CreateLogger();
        return BuildPipeline.Run(new BuildRequest
        {
            SpecPath = SpecPath,
            OutputFolder = Output,
            CacheFolder = cache ?? Folder.Combine("cache"),
            DependencyFile = Folder.Combine("qcqa.deps"),
            Threads = 2,
            CalibrationText = calibrationText,
            MemoryLimit = memoryLimit,
        }, logger, services, progress: progress);
    }

    public void Dispose() => Folder.Dispose();

    private sealed class ListSink(List<string> messages) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            lock (messages) messages.Add(logEvent.RenderMessage());
        }
    }
}
