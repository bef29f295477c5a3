using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Spec;

/// <summary>One problem found in a spec: a code from <see cref="ErrorCodes"/>, a message and where it is.</summary>
/// <param name="Code">A diagnostic code such as <c>QCQA041</c>.</param>
/// <param name="Message">What is wrong and, where possible, how to fix it.</param>
/// <param name="Location">Where in the spec file the problem is.</param>
public sealed record SpecDiagnostic(string Code, string Message, SourceLocation Location)
{
    /// <summary>The canonical MSBuild form, e.g. <c>qcqa.yaml(12,5): error QCQA041: message</c>.</summary>
    public string ToCanonicalString()
        => CanonicalDiagnostic.Format(Location.File, Location.Line, Location.Column, "error", Code, Message);

    /// <summary>The same problem as a <see cref="QcqaException"/>, for callers that report one error at a time.</summary>
    public QcqaException ToException() => Location.Error(Code, Message);

    /// <inheritdoc />
    public override string ToString() => ToCanonicalString();
}
