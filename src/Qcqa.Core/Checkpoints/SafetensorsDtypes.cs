namespace Qcqa.Core.Checkpoints;

/// <summary>Names, sizes and capabilities of <see cref="SafetensorsDtype"/> values.</summary>
public static class SafetensorsDtypes
{
    /// <summary>The name used in safetensors headers, e.g. <c>BF16</c> or <c>F8_E4M3</c>.</summary>
    public static string Name(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.Bool => "BOOL",
        SafetensorsDtype.F8E4M3 => "F8_E4M3",
        SafetensorsDtype.F8E5M2 => "F8_E5M2",
        _ => dtype.ToString(),
    };

    /// <summary>Bytes per element.</summary>
    public static int Size(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F64 or SafetensorsDtype.I64 or SafetensorsDtype.U64 => 8,
        SafetensorsDtype.F32 or SafetensorsDtype.I32 or SafetensorsDtype.U32 => 4,
        SafetensorsDtype.F16 or SafetensorsDtype.BF16 or SafetensorsDtype.I16 or SafetensorsDtype.U16 => 2,
        _ => 1,
    };

    /// <summary>True for the dtypes that can be read and written as numbers (F64, F32, F16, BF16).</summary>
    public static bool IsConvertible(this SafetensorsDtype dtype)
        => dtype is SafetensorsDtype.F64 or SafetensorsDtype.F32 or SafetensorsDtype.F16 or SafetensorsDtype.BF16;

    /// <summary>Parses a header dtype name (case-sensitive, as the format specifies).</summary>
    /// <param name="name">The name from the header.</param>
    /// <param name="dtype">The dtype, when recognised.</param>
    /// <returns>True when <paramref name="name"/> is a dtype the engine knows.</returns>
    public static bool TryParse(string? name, out SafetensorsDtype dtype)
    {
        switch (name)
        {
            case "F64": dtype = SafetensorsDtype.F64; return true;
            case "F32": dtype = SafetensorsDtype.F32; return true;
            case "F16": dtype = SafetensorsDtype.F16; return true;
            case "BF16": dtype = SafetensorsDtype.BF16; return true;
            case "I64": dtype = SafetensorsDtype.I64; return true;
            case "I32": dtype = SafetensorsDtype.I32; return true;
            case "I16": dtype = SafetensorsDtype.I16; return true;
            case "I8": dtype = SafetensorsDtype.I8; return true;
            case "U64": dtype = SafetensorsDtype.U64; return true;
            case "U32": dtype = SafetensorsDtype.U32; return true;
            case "U16": dtype = SafetensorsDtype.U16; return true;
            case "U8": dtype = SafetensorsDtype.U8; return true;
            case "BOOL": dtype = SafetensorsDtype.Bool; return true;
            case "F8_E4M3": dtype = SafetensorsDtype.F8E4M3; return true;
            case "F8_E5M2": dtype = SafetensorsDtype.F8E5M2; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>The torch name Hugging Face configs use for <c>torch_dtype</c>, e.g. <c>bfloat16</c>.</summary>
    public static string TorchName(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F64 => "float64",
        SafetensorsDtype.F32 => "float32",
        SafetensorsDtype.F16 => "float16",
        SafetensorsDtype.BF16 => "bfloat16",
        _ => dtype.Name().ToLowerInvariant(),
    };
}
