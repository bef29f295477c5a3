namespace Qcqa.ReferenceModel;

/// <summary>A problem the user can fix (missing corpus, bad option); printed plainly, exit code 1, no stack trace.</summary>
public sealed class TrainerException(string message, Exception? inner = null) : Exception(message, inner);
