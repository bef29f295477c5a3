namespace Qcqa.Core.Search;

/// <summary>A hashable wrapper of a canonical label vector, for deduplicating candidates.</summary>
internal readonly struct PartitionKey : IEquatable<PartitionKey>
{
    // Invariant: _labels is canonical (see CanonicalLabels) and never mutated after construction.
    private readonly int[] _labels;
    private readonly int _hash;

    public PartitionKey(int[] canonicalLabels)
    {
        _labels = canonicalLabels;
        var hash = new HashCode();
        foreach (var label in canonicalLabels) hash.Add(label);
        _hash = hash.ToHashCode();
    }

    public bool Equals(PartitionKey other) => _hash == other._hash && _labels.AsSpan().SequenceEqual(other._labels);

    public override bool Equals(object? obj) => obj is PartitionKey other && Equals(other);

    public override int GetHashCode() => _hash;
}
