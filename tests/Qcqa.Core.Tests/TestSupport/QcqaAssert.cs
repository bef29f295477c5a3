using Qcqa.Core.Diagnostics;
using Xunit;

namespace Qcqa.Core.Tests.TestSupport;

/// <summary>Assertions about user errors: the code, a fragment of the message, and the file named.</summary>
public static class QcqaAssert
{
    /// <summary>Asserts that <paramref name="action"/> throws a <see cref="QcqaException"/> with the given code and message fragment.</summary>
    /// <param name="code">The expected code, e.g. <see cref="ErrorCodes.MalformedSafetensors"/>.</param>
    /// <param name="fragment">Text the message must contain (case-insensitive).</param>
    /// <param name="file">When given, the file the error must name.</param>
    /// <param name="action">The code under test.</param>
    public static QcqaException Throws(string code, string fragment, string? file, Action action)
    {
        var error = Assert.Throws<QcqaException>(action);
        Assert.True(error.Code == code, $"Expected {code} but got {error.Code}: {error.Message}");
        Assert.True(error.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase), $"Expected the message to contain \"{fragment}\": {error.Message}");
        if (file is not null) Assert.Equal(Path.GetFullPath(file), Path.GetFullPath(error.File!));
        return error;
    }
}
