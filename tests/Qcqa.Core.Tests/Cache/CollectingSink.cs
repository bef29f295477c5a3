using Serilog.Core;
using Serilog.Events;

namespace Qcqa.Core.Tests.Cache;

/// <summary>A Serilog sink that keeps rendered events, for asserting on what the cache logged.</summary>
public sealed class CollectingSink : ILogEventSink
{
    private readonly List<(LogEventLevel Level, string Text)> _events = [];

    public IReadOnlyList<(LogEventLevel Level, string Text)> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_events) _events.Add((logEvent.Level, logEvent.RenderMessage()));
    }

    public static Serilog.ILogger CreateLogger(out CollectingSink sink)
    {
        sink = new CollectingSink();
        return new Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
    }
}
