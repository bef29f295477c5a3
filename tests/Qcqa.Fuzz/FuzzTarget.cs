namespace Qcqa.Fuzz;

/// <summary>
/// One reader of untrusted input under fuzzing. <see cref="Run"/> must either return or throw an expected user error
/// (<see cref="Core.Diagnostics.QcqaException"/>, <see cref="Core.Spec.QcqaSpecException"/>); anything else is a finding.
/// </summary>
/// <param name="Name">The name used on the command line and for the corpus folder.</param>
/// <param name="Run">Feeds one input to the reader; returns a short outcome label (e.g. the error code) used as feedback.</param>
/// <param name="Tokens">Fragments the mutator splices in: keys, values and syntax of the format, and known troublemakers.</param>
/// <param name="Generate">Writes a random, mostly well-formed document of the format (the grammar-aware half).</param>
internal sealed record FuzzTarget(string Name, Func<byte[], string> Run, IReadOnlyList<byte[]> Tokens, Func<FuzzRandom, byte[]> Generate);
