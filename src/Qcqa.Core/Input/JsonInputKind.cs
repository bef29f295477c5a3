namespace Qcqa.Core.Input;

/// <summary>The JSON value kinds of a <see cref="JsonInputNode"/>.</summary>
public enum JsonInputKind
{
    /// <summary><c>{...}</c></summary>
    Object,
    /// <summary><c>[...]</c></summary>
    Array,
    /// <summary>A string.</summary>
    String,
    /// <summary>A number (its text is kept exactly).</summary>
    Number,
    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,
    /// <summary><c>null</c>.</summary>
    Null,
}
