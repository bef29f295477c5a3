using System.Text;
using Qcqa.Core;

namespace Qcqa.ReferenceModel;

/// <summary>Atomic UTF-8 text writes (no BOM).</summary>
/// <remarks>
/// Goes through <see cref="AtomicFile.WriteAllBytes"/>: <see cref="AtomicFile.WriteAllText"/> in Qcqa.Core currently
/// disposes its StreamWriter, closing the stream, before it flushes to disk, and throws ObjectDisposedException.
/// </remarks>
public static class Utf8Files
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void WriteAtomically(string path, string text) => AtomicFile.WriteAllBytes(path, Utf8.GetBytes(text));
}
