using Qcqa.Core.Diagnostics;
using Qcqa.Core.Input;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// The validated header of a safetensors file: tensors in header order and the optional string metadata.
/// Parsing checks everything the format promises, so that readers can trust every byte range afterwards.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Largest header the engine accepts (the format's own limit).</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    /// <summary>The reserved header key that holds string metadata.</summary>
    internal const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Tensors in the order the header lists them.</summary>
    internal IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map, empty when absent.</summary>
    internal IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Parses and validates header JSON.</summary>
    /// <param name="json">The header bytes (UTF-8, possibly padded with trailing spaces).</param>
    /// <param name="dataLength">Bytes in the data section that follows the header.</param>
    /// <param name="path">The file, for error messages.</param>
    /// <exception cref="QcqaException">QCQA010 for any structural problem, QCQA011 for an unknown dtype.</exception>
    internal static SafetensorsHeader Parse(ReadOnlyMemory<byte> json, long dataLength, string path)
    {
        QcqaException Malformed(string message) => new(ErrorCodes.MalformedSafetensors, message, path);

        var trimmed = json.Span.TrimEnd((byte)' ');
        if (trimmed.Length == 0 || trimmed[0] != (byte)'{')
            throw Malformed("The header is not a JSON object (it must start with '{').");

        JsonInputNode root;
        try
        {
            root = JsonInput.Parse(trimmed, path, ErrorCodes.MalformedSafetensors, "The header", allowComments: false);
        }
        catch (QcqaException e)
        {
            // The file is binary: a line and column inside the header would point nowhere an editor can show.
            var at = e.Line > 0 ? $" (header line {e.Line}, column {e.Column})" : "";
            throw new QcqaException(e.Code, e.Message.TrimEnd('.') + at + ".", path, inner: e);
        }

        var tensors = new List<TensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.Properties)
        {
            if (property.Name == MetadataKey)
            {
                ReadMetadata(property.Value, metadata, Malformed);
                continue;
            }
            tensors.Add(ReadTensor(property.Name, property.Value, dataLength, path, Malformed));
        }
        CheckDense(tensors, dataLength, Malformed);
        return new SafetensorsHeader(tensors, metadata);
    }

    private static void ReadMetadata(JsonInputNode value, Dictionary<string, string> metadata, Func<string, QcqaException> malformed)
    {
        if (!value.IsObject)
            throw malformed($"\"{MetadataKey}\" must be an object mapping strings to strings.");
        foreach (var entry in value.Properties)
        {
            if (!entry.Value.TryGetString(out var text))
                throw malformed($"\"{MetadataKey}\" entry '{Shown(entry.Name)}' must be a string, not {entry.Value.Describe()}.");
            metadata[entry.Name] = text;
        }
    }

    private static TensorInfo ReadTensor(string name, JsonInputNode entry, long dataLength, string path, Func<string, QcqaException> malformed)
    {
        var shown = Shown(name);
        if (name.Length == 0)
            throw malformed("A tensor has an empty name.");
        if (!entry.IsObject)
            throw malformed($"Tensor '{shown}': the entry must be an object with dtype, shape and data_offsets.");

        if (entry["dtype"] is not { } dtypeElement || !dtypeElement.TryGetString(out var dtypeName))
            throw malformed($"Tensor '{shown}': \"dtype\" is missing or not a string.");
        if (!SafetensorsDtypes.TryParse(dtypeName, out var dtype))
            throw new QcqaException(ErrorCodes.UnsupportedDtype,
                $"Tensor '{shown}' has dtype '{Shown(dtypeName)}', which is not supported (known: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2).", path);

        if (entry["shape"] is not { IsArray: true } shapeElement)
            throw malformed($"Tensor '{shown}': \"shape\" is missing or not an array.");
        var shape = new long[shapeElement.Items.Count];
        var i = 0;
        foreach (var dimension in shapeElement.Items)
        {
            if (!dimension.TryGetInt64(out var d) || d < 0)
                throw malformed($"Tensor '{shown}': shape entries must be non-negative integers, found {dimension.Describe()}.");
            shape[i++] = d;
        }

        if (entry["data_offsets"] is not { IsArray: true } offsets || offsets.Items.Count != 2)
            throw malformed($"Tensor '{shown}': \"data_offsets\" must be an array [begin, end].");
        var begin = ReadOffset(shown, offsets.Items[0], malformed);
        var end = ReadOffset(shown, offsets.Items[1], malformed);
        if (end < begin)
            throw malformed($"Tensor '{shown}': data_offsets [{begin}, {end}] end before they begin.");

        long expected;
        try
        {
            expected = checked(TensorInfo.ElementCountOf(shape) * dtype.Size());
        }
        catch (OverflowException)
        {
            throw malformed($"Tensor '{shown}': shape {TensorInfo.FormatShape(shape)} is too large.");
        }
        if (expected != end - begin)
            throw malformed($"Tensor '{shown}': shape {TensorInfo.FormatShape(shape)} of {dtype.Name()} needs {expected} bytes but data_offsets [{begin}, {end}] span {end - begin}.");
        if (end > dataLength)
            throw malformed($"Tensor '{shown}': data_offsets [{begin}, {end}] reach past the end of the data section, which holds {dataLength} bytes (is the file truncated?).");
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    // Tensor names come from the file: cut long ones so that one message stays one readable line.
    private static string Shown(string name) => JsonInputNode.Shorten(name);

    private static long ReadOffset(string name, JsonInputNode element, Func<string, QcqaException> malformed)
    {
        if (!element.TryGetInt64(out var value) || value < 0)
            throw malformed($"Tensor '{name}': data_offsets must be non-negative integers, found {element.Describe()}.");
        return value;
    }

    // The format requires the data section to be exactly the tensors' bytes, each once: sorted by position, every
    // range must start where the previous one ended, and the last must end at the end of the file.
    private static void CheckDense(List<TensorInfo> tensors, long dataLength, Func<string, QcqaException> malformed)
    {
        var sorted = tensors.OrderBy(t => t.DataBegin).ThenBy(t => t.DataEnd).ToList();
        long position = 0;
        TensorInfo? previous = null;
        foreach (var tensor in sorted)
        {
            if (tensor.DataBegin < position)
                throw malformed($"Tensors '{Shown(previous!.Name)}' [{previous.DataBegin}, {previous.DataEnd}] and '{Shown(tensor.Name)}' [{tensor.DataBegin}, {tensor.DataEnd}] overlap.");
            if (tensor.DataBegin > position)
                throw malformed($"Bytes [{position}, {tensor.DataBegin}) of the data section belong to no tensor; the data section must be dense.");
            position = tensor.DataEnd;
            previous = tensor;
        }
        if (position != dataLength)
            throw malformed($"The data section holds {dataLength} bytes but the tensors cover only {position}; the remaining bytes belong to no tensor.");
    }
}
