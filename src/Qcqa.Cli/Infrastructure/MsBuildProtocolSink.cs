using Qcqa.Core.Build;
using Qcqa.Core.Diagnostics;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Qcqa.Cli.Infrastructure;

/// <summary>
/// Relays log events to the MSBuild task in the engine protocol (<c>info:</c>, <c>verbose:</c>, <c>warning:</c> lines on
/// standard output), so build logs show the engine's progress at the right importance.
/// </summary>
internal sealed class MsBuildProtocolSink(EngineProtocolWriter protocol) : ILogEventSink
{
    // ":lj" renders string properties without quotes, as the console sink does for people.
    private static readonly MessageTemplateTextFormatter Formatter = new("{Message:lj}", System.Globalization.CultureInfo.InvariantCulture);

    public void Emit(LogEvent logEvent)
    {
        using var rendered = new StringWriter();
        Formatter.Format(logEvent, rendered);
        var text = rendered.ToString();
        if (logEvent.Exception is not null) text += " " + logEvent.Exception.Message;
        switch (logEvent.Level)
        {
            case LogEventLevel.Warning or LogEventLevel.Error or LogEventLevel.Fatal:
                var code = logEvent.Properties.TryGetValue(WarningCodes.PropertyName, out var value) && value is ScalarValue { Value: string c } ? c : ErrorCodes.GeneralWarning;
                protocol.Warning(null, 0, 0, code, text);
                break;
            case LogEventLevel.Information:
                protocol.Info(text);
                break;
            default:
                protocol.Verbose(text);
                break;
        }
    }
}
