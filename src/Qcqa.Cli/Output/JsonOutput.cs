using System.Text.Json;

namespace Qcqa.Cli.Output;

/// <summary>JSON conventions of the tool's machine-readable output: snake_case, indented.</summary>
internal static class JsonOutput
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };
}
