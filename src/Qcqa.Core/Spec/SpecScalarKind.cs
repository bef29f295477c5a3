namespace Qcqa.Core.Spec;

/// <summary>The type a YAML scalar resolves to under the YAML 1.2 core schema (what editors and the JSON Schema see).</summary>
internal enum SpecScalarKind
{
    Null,
    Boolean,
    Integer,
    Float,
    String,
}
