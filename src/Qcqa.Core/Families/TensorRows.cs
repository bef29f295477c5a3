namespace Qcqa.Core.Families;

/// <summary>Rows [<paramref name="FirstRow"/>, <paramref name="FirstRow"/> + <paramref name="Rows"/>) of a stored tensor (all of it for most weights).</summary>
/// <param name="Name">The stored tensor.</param>
/// <param name="FirstRow">The first row taken.</param>
/// <param name="Rows">How many rows; null means every row from <paramref name="FirstRow"/> on.</param>
public sealed record TensorRows(string Name, long FirstRow = 0, long? Rows = null)
{
    /// <summary>A whole stored tensor.</summary>
    public static TensorRows Whole(string name) => new(name);
}
