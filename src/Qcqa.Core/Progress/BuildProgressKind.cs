namespace Qcqa.Core.Progress;

/// <summary>What a <see cref="BuildProgressEvent"/> says about its stage.</summary>
public enum BuildProgressKind
{
    /// <summary>The stage began for its subject.</summary>
    Started,

    /// <summary>The stage moved on (e.g. layers searched so far); may come many times.</summary>
    Advanced,

    /// <summary>The stage ended for its subject: one line per stage and model or variant in the build's output.</summary>
    Finished,

    /// <summary>The build ended: variants written and up to date, the report's path.</summary>
    Summary,
}
