namespace Qcqa.Core.Checkpoints;

/// <summary>
/// Element types of safetensors tensors that the engine recognises. Only <see cref="F64"/>, <see cref="F32"/>,
/// <see cref="F16"/> and <see cref="BF16"/> can be read as numbers; the others are carried through as bytes.
/// </summary>
public enum SafetensorsDtype
{
    /// <summary>IEEE 754 binary64 (<c>F64</c>).</summary>
    F64,
    /// <summary>IEEE 754 binary32 (<c>F32</c>).</summary>
    F32,
    /// <summary>IEEE 754 binary16 (<c>F16</c>).</summary>
    F16,
    /// <summary>bfloat16: the upper half of a binary32 (<c>BF16</c>).</summary>
    BF16,
    /// <summary>Signed 64-bit integer (<c>I64</c>).</summary>
    I64,
    /// <summary>Signed 32-bit integer (<c>I32</c>).</summary>
    I32,
    /// <summary>Signed 16-bit integer (<c>I16</c>).</summary>
    I16,
    /// <summary>Signed 8-bit integer (<c>I8</c>).</summary>
    I8,
    /// <summary>Unsigned 64-bit integer (<c>U64</c>).</summary>
    U64,
    /// <summary>Unsigned 32-bit integer (<c>U32</c>).</summary>
    U32,
    /// <summary>Unsigned 16-bit integer (<c>U16</c>).</summary>
    U16,
    /// <summary>Unsigned 8-bit integer (<c>U8</c>).</summary>
    U8,
    /// <summary>Boolean stored as one byte (<c>BOOL</c>).</summary>
    Bool,
    /// <summary>8-bit float, 4 exponent and 3 mantissa bits (<c>F8_E4M3</c>); copied as bytes only.</summary>
    F8E4M3,
    /// <summary>8-bit float, 5 exponent and 2 mantissa bits (<c>F8_E5M2</c>); copied as bytes only.</summary>
    F8E5M2,
}
