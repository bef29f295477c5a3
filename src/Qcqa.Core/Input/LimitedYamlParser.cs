using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Qcqa.Core.Input;

/// <summary>
/// Wraps YamlDotNet's event parser and refuses, at the event where the limit is crossed and with its position,
/// documents that would make building or walking the node tree blow the stack or take exponential time: nesting
/// deeper than <see cref="InputLimits.MaxYamlDepth"/>, more than <see cref="InputLimits.MaxYamlExpandedNodes"/>
/// nodes once aliases are expanded (a "billion laughs" alias bomb), and an alias inside the node it names (a cycle).
/// </summary>
/// <remarks>
/// The checks run on the event stream, before the representation model builds anything, so the cost of a hostile
/// document is bounded by its size. Exceeding a limit throws a <see cref="YamlException"/>, which readers already
/// report as a syntax error at the event's position.
/// </remarks>
public sealed class LimitedYamlParser : IParser
{
    private readonly IParser _inner;
    private readonly int _maxDepth;
    private readonly long _maxExpandedNodes;
    private readonly Stack<(string? Anchor, long Nodes)> _open = new();
    private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
    private long _expanded;

    /// <summary>Wraps <paramref name="inner"/> with the default limits.</summary>
    public LimitedYamlParser(IParser inner)
        : this(inner, InputLimits.MaxYamlDepth, InputLimits.MaxYamlExpandedNodes)
    {
    }

    /// <summary>Wraps <paramref name="inner"/> with the given limits.</summary>
    /// <param name="inner">The parser that reads the text.</param>
    /// <param name="maxDepth">Deepest nesting of mappings and sequences.</param>
    /// <param name="maxExpandedNodes">Most nodes, counting every alias as a copy of what it names.</param>
    public LimitedYamlParser(IParser inner, int maxDepth, long maxExpandedNodes)
    {
        _inner = Preconditions.CheckNotNull(inner);
        _maxDepth = Preconditions.CheckPositive(maxDepth);
        _maxExpandedNodes = maxExpandedNodes;
    }

    /// <summary>Where the last event read ends (1-based line and column), for errors raised past it; (1, 1) before any.</summary>
    public (int Line, int Column) LastPosition { get; private set; } = (1, 1);

    /// <summary>Nodes seen so far, aliases expanded.</summary>
    public long ExpandedNodes => _expanded;

    /// <inheritdoc />
    public ParsingEvent? Current => _inner.Current;

    /// <inheritdoc />
    public bool MoveNext()
    {
        if (!_inner.MoveNext()) return false;
        if (_inner.Current is { } current) LastPosition = ((int)current.End.Line, (int)current.End.Column);
        switch (_inner.Current)
        {
            case MappingStart or SequenceStart:
                var start = (NodeEvent)_inner.Current;
                if (_open.Count >= _maxDepth)
                    throw Limit(start, $"mappings and lists nest more than {_maxDepth} levels deep");
                Count(start, 1);
                _open.Push((Anchor(start), 1));
                break;
            case MappingEnd or SequenceEnd:
                var (anchor, nodes) = _open.Pop();
                if (anchor is not null) _anchorSizes[anchor] = nodes;
                AddToParent(nodes);
                break;
            case Scalar scalar:
                Count(scalar, 1);
                if (Anchor(scalar) is { } name) _anchorSizes[name] = 1;
                AddToParent(1);
                break;
            case AnchorAlias alias:
                var target = alias.Value.Value;
                if (_open.Any(o => o.Anchor == target))
                    throw Limit(alias, $"alias *{target} is used inside the node it names, which would make the spec infinite");
                // An unknown alias is left to the parser's consumer, which reports it.
                var size = _anchorSizes.GetValueOrDefault(target, 1);
                Count(alias, size);
                AddToParent(size);
                break;
        }
        return true;
    }

    private static string? Anchor(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;

    private void Count(ParsingEvent at, long nodes)
    {
        _expanded += nodes;
        if (_expanded > _maxExpandedNodes)
            throw Limit(at, $"with its aliases expanded the document has more than {_maxExpandedNodes:N0} nodes (an alias bomb?)");
    }

    private void AddToParent(long nodes)
    {
        if (_open.Count == 0) return;
        var (anchor, count) = _open.Pop();
        _open.Push((anchor, count + nodes));
    }

    private static YamlException Limit(ParsingEvent at, string message) => new(at.Start, at.End, $"Refused: {message}.");
}
