namespace Qcqa.Torch.Text;

/// <summary>
/// Turns generated tokens into text as they arrive. One token need not be whole text (a byte-level or byte-fallback
/// token may carry part of a character, and some tokenizers drop a leading space only at the start), so the decoder
/// decodes prompt and continuation together and hands out what is new, holding back a trailing incomplete character.
/// </summary>
public sealed class StreamingTextDecoder
{
    private readonly ModelTokenizer _tokenizer;
    private readonly List<long> _ids;
    private int _emitted;

    /// <summary>Starts after <paramref name="prompt"/>, whose text is not handed out.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="prompt">The prompt's ids, as the model received them.</param>
    public StreamingTextDecoder(ModelTokenizer tokenizer, IReadOnlyList<long> prompt)
    {
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _ids = [.. prompt];
        _emitted = tokenizer.Decode(_ids).Length;
    }

    /// <summary>Adds a generated token and returns the text it completes (possibly empty).</summary>
    public string Add(long id)
    {
        _ids.Add(id);
        var text = _tokenizer.Decode(_ids);
        // U+FFFD at the end is a character whose remaining bytes are still to come.
        var complete = text.EndsWith('\uFFFD') ? text.Length - 1 : text.Length;
        return Take(text, complete);
    }

    /// <summary>Whatever is still held back (an incomplete character at the very end decodes as U+FFFD).</summary>
    public string Flush()
    {
        var text = _tokenizer.Decode(_ids);
        return Take(text, text.Length);
    }

    private string Take(string text, int end)
    {
        if (end <= _emitted) return "";
        var added = text[_emitted..end];
        _emitted = end;
        return added;
    }
}
