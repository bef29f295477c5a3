namespace Qcqa.Core.Cache;

/// <summary>
/// <see cref="CacheKeys.ModelContent"/> of each model folder, hashed once per build: evaluation, calibration and the
/// fine-tuning stage all key on the input model's content, and hashing a 7B model's 13 GB of weights is seconds of I/O
/// that no stage should repeat.
/// </summary>
public sealed class ModelContents
{
    private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>The content key of <paramref name="modelFolder"/>, hashed on first use.</summary>
    /// <param name="modelFolder">A model folder.</param>
    public string Of(string modelFolder)
    {
        Preconditions.CheckNotNull(modelFolder);
        var key = Path.GetFullPath(modelFolder);
        lock (_gate)
        {
            if (!_known.TryGetValue(key, out var content))
                _known[key] = content = CacheKeys.ModelContent(key);
            return content;
        }
    }
}
