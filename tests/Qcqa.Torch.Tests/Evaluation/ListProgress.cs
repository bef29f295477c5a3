namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>Records progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
/// <param name="then">Runs after each report is recorded, on the reporting thread (e.g. to cancel a run part-way).</param>
internal sealed class ListProgress<T>(Action<T>? then = null) : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value)
    {
        Reports.Add(value);
        then?.Invoke(value);
    }
}
