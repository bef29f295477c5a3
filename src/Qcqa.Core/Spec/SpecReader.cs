using Qcqa.Core.Diagnostics;
using Qcqa.Core.Input;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Qcqa.Core.Spec;

/// <summary>
/// Reads <c>qcqa.yaml</c>. Every problem is reported with its file, line and column (YAML syntax QCQA040, unknown
/// keys QCQA041 with a "did you mean", bad values QCQA042, missing model folders QCQA043, missing keys QCQA044,
/// contradictory budgets QCQA030), and all problems are collected, not just the first.
/// </summary>
public static class SpecReader
{
    /// <summary>Reads and validates a spec file.</summary>
    /// <param name="path">The spec file; diagnostics name it as given, relative paths in it resolve against its folder.</param>
    /// <param name="options">Reader options; <see cref="SpecReaderOptions.Default"/> when null.</param>
    public static SpecReadResult Read(string path, SpecReaderOptions? options = null)
    {
        Preconditions.CheckNotNull(path);
        string text;
        try
        {
            // One reader for every spec byte: size limit, strict UTF-8 with the position of a bad byte.
            var bytes = InputFile.ReadAllBytes(path, InputLimits.MaxSpecFileBytes, ErrorCodes.FileNotFound, ErrorCodes.SpecSyntax, "The spec file");
            text = StrictUtf8.Decode(bytes, path, ErrorCodes.SpecSyntax, "The spec");
        }
        catch (QcqaException e)
        {
            return new SpecReadResult(null, [new SpecDiagnostic(e.Code, e.Message, new SourceLocation(e.File, e.Line, e.Column))]);
        }
        return Parse(text, path, options);
    }

    /// <summary>Reads and validates a spec file, throwing when it has problems.</summary>
    /// <exception cref="QcqaSpecException">The spec has one or more problems; the exception carries them all.</exception>
    public static QcqaSpec Load(string path, SpecReaderOptions? options = null) => Read(path, options).GetSpecOrThrow();

    /// <summary>Validates spec text already in memory.</summary>
    /// <param name="yaml">The spec's text.</param>
    /// <param name="path">The file the text came from (for diagnostics and to resolve relative paths).</param>
    /// <param name="options">Reader options; <see cref="SpecReaderOptions.Default"/> when null.</param>
    public static SpecReadResult Parse(string yaml, string path, SpecReaderOptions? options = null)
    {
        Preconditions.CheckNotNull(yaml);
        Preconditions.CheckNotNull(path);
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var context = new SpecContext(path, baseDirectory, options ?? SpecReaderOptions.Default);
        QcqaSpec? spec = null;
        if (LoadYaml(yaml, context) is { } root) spec = new SpecParser(context).Parse(root);
        var diagnostics = context.Diagnostics
            .OrderBy(d => d.Location.Line).ThenBy(d => d.Location.Column)
            .ToArray();
        return new SpecReadResult(diagnostics.Length == 0 ? spec : null, diagnostics);
    }

    private static YamlNode? LoadYaml(string yaml, SpecContext context)
    {
        var stream = new YamlStream();
        var parser = new LimitedYamlParser(new Parser(new StringReader(yaml)));
        try
        {
            // The limited parser refuses deep nesting and alias bombs before any node is built.
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            // YamlDotNet prefixes its messages with the position, which the canonical form already carries.
            var message = e.Message.StartsWith('(') && e.Message.IndexOf("): ", StringComparison.Ordinal) is var end and > 0
                ? e.Message[(end + 3)..] : e.Message;
            var location = new SourceLocation(context.File, (int)e.Start.Line, (int)e.Start.Column);
            context.Report(ErrorCodes.SpecSyntax, location, $"Not valid YAML: {message}");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Found by fuzzing: on some malformed input YamlDotNet's scanner and loader throw these instead of a
            // YamlException ("The scanner should contain no more tokens", "The current event is of an unsupported type").
            var (line, column) = parser.LastPosition;
            context.Report(ErrorCodes.SpecSyntax, new SourceLocation(context.File, line, column), "Not valid YAML: the document is malformed after this point.");
            return null;
        }
        if (stream.Documents.Count == 0)
        {
            context.Report(ErrorCodes.SpecMissingKey, new SourceLocation(context.File, 1, 1), "The spec is empty; it needs at least a 'models' list.");
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            context.Report(ErrorCodes.SpecSyntax, context.At(stream.Documents[1].RootNode), "A spec holds a single YAML document; remove the second one (after '---').");
            return null;
        }
        return stream.Documents[0].RootNode;
    }
}
