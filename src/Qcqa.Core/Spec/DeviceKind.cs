namespace Qcqa.Core.Spec;

/// <summary>Where tensor work runs (the spec's <c>device</c> key).</summary>
public enum DeviceKind
{
    /// <summary><c>cpu</c> (the default; works everywhere).</summary>
    Cpu,

    /// <summary><c>cuda</c>: needs a CUDA build of TorchSharp and a GPU; an error otherwise.</summary>
    Cuda,

    /// <summary><c>auto</c>: CUDA when available, else CPU.</summary>
    Auto,
}
