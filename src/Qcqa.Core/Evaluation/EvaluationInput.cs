using Qcqa.Core.Grouping;
using Qcqa.Core.Spec;

namespace Qcqa.Core.Evaluation;

/// <summary>The input of the evaluation stage: one checkpoint folder, the original model or a built variant.</summary>
/// <param name="Label">What is evaluated, for logs (<c>model/variant</c>).</param>
/// <param name="Folder">The checkpoint folder to evaluate.</param>
/// <param name="InputModel">The input model's folder (the same as <paramref name="Folder"/> for the original).</param>
/// <param name="Grouping">The variant's grouping; null for the original model.</param>
/// <param name="Device">Where to run.</param>
public sealed record EvaluationInput(string Label, string Folder, string InputModel, ModelGrouping? Grouping, DeviceKind Device);
