namespace Qcqa.Core.Input;

/// <summary>One property of a JSON object as read from a file: its name, where the name stands, and its value.</summary>
/// <param name="Name">The property name (unique within its object: duplicates are refused when reading).</param>
/// <param name="Line">1-based line of the name.</param>
/// <param name="Column">1-based column of the name.</param>
/// <param name="Value">The value.</param>
public sealed record JsonInputProperty(string Name, int Line, int Column, JsonInputNode Value);
