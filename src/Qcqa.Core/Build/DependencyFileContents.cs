namespace Qcqa.Core.Build;

/// <summary>The entries of a dependency file (see <see cref="DependencyFile"/>).</summary>
/// <param name="Inputs">Full paths of the files the build read, in file order.</param>
/// <param name="Outputs">Full paths of the files the build produced, in file order.</param>
public sealed record DependencyFileContents(IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
