using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>Creates parameters that belong to their module, not to whatever dispose scope is open.</summary>
internal static class ModuleParameters
{
    /// <summary>Wraps <paramref name="data"/> as a trainable parameter owned by the module that registers it.</summary>
    public static Parameter Create(Tensor data)
    {
        var parameter = nn.Parameter(data);
        // A model built inside a caller's dispose scope must outlive it; the module disposes its parameters.
        parameter.DetachFromDisposeScope();
        return parameter;
    }
}
