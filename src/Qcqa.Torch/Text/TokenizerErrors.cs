using Qcqa.Core.Diagnostics;

namespace Qcqa.Torch.Text;

/// <summary>The QCQA051 errors of tokenizer files, each naming the file at fault.</summary>
internal static class TokenizerErrors
{
    /// <summary>The file is malformed or asks for something the tokenizer cannot do.</summary>
    internal static QcqaException Invalid(string path, string message, Exception? inner = null, int line = 0, int column = 0)
        => new(ErrorCodes.BadTokenizer, message, path, line, column, inner);

    /// <summary>A component of <c>tokenizer.json</c> this tokenizer does not implement.</summary>
    internal static QcqaException Unsupported(string path, string what, string type, string supported)
        => Invalid(path, $"The {what} '{type}' is not supported (supported: {supported}).");
}
