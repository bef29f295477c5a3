namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>Records progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class ListProgress<T> : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value) => Reports.Add(value);
}
