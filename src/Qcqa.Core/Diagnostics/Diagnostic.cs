using Qcqa.Build;

namespace Qcqa.Core.Diagnostics;

/// <summary>
/// One problem a user can fix: a code from <see cref="ErrorCodes"/>, a message and where it is. Checks that find
/// several problems at once (reading a spec, resolving a budget) return a list of these; a
/// <see cref="QcqaException"/> carries one or more of them.
/// </summary>
/// <param name="Code">A diagnostic code such as <c>QCQA041</c>.</param>
/// <param name="Message">What is wrong and, where possible, how to fix it.</param>
/// <param name="Location">Where the problem is (a spec position), or <see cref="SourceLocation.None"/>.</param>
public sealed record Diagnostic(string Code, string Message, SourceLocation Location)
{
    /// <summary>The canonical MSBuild form, e.g. <c>qcqa.yaml(12,5): error QCQA041: message</c>.</summary>
    public string ToCanonicalString()
        => EngineContract.CanonicalDiagnostic.Format(Location.File, Location.Line, Location.Column, "error", Code, Message);

    /// <summary>The same problem as an exception, ready to throw.</summary>
    public QcqaException ToException() => Location.Error(Code, Message);

    /// <inheritdoc />
    public override string ToString() => ToCanonicalString();
}
