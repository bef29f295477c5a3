using Qcqa.Core.Spec;

namespace Qcqa.Core.Pipeline;

/// <summary>What <c>dotnet qcqa build</c> (and the MSBuild target through it) asks the pipeline to do.</summary>
public sealed record BuildRequest
{
    /// <summary>The spec file (<c>qcqa.yaml</c>).</summary>
    public required string SpecPath { get; init; }
    /// <summary>Folder receiving <c>&lt;model&gt;/&lt;variant&gt;/</c> checkpoints and the summary.</summary>
    public required string OutputFolder { get; init; }
    /// <summary>Content-addressed cache folder (Gram matrices, fronts, evaluations).</summary>
    public required string CacheFolder { get; init; }
    /// <summary>Where to write the dependency file for MSBuild's Inputs/Outputs, or null.</summary>
    public string? DependencyFile { get; init; }
    /// <summary>Overrides every variant's device (the build's <c>QcqaDevice</c> property), or null to follow the spec.</summary>
    public DeviceKind? DeviceOverride { get; init; }
    /// <summary>A calibration text for every model (the <c>--calibration</c> option), or null to follow the spec.</summary>
    public string? CalibrationText { get; init; }
    /// <summary>The memory limit in bytes (<c>--memory-limit</c>, the build's <c>QcqaMemoryLimit</c>), or null to follow the spec's <c>memory_limit</c>.</summary>
    public long? MemoryLimit { get; init; }
    /// <summary>Layers worked on at once: read and reduced to Gram matrices by the statistics stage, searched by stage 1.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
}
