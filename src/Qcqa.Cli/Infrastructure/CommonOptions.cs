using System.CommandLine;
using Qcqa.Torch.Runtime;

namespace Qcqa.Cli.Infrastructure;

/// <summary>Options every command accepts.</summary>
internal static class CommonOptions
{
    internal static readonly Option<Verbosity> VerbosityOption = new("--verbosity", "-v")
    {
        Description = "Log detail: Quiet, Normal, Detailed or Diagnostic.",
        DefaultValueFactory = _ => Verbosity.Normal,
        Recursive = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "n";
            switch (text.ToLowerInvariant())
            {
                case "q": case "quiet": return Verbosity.Quiet;
                case "n": case "normal": return Verbosity.Normal;
                case "d": case "detailed": return Verbosity.Detailed;
                case "diag": case "diagnostic": return Verbosity.Diagnostic;
                default:
                    result.AddError($"Unknown verbosity '{text}'; use q[uiet], n[ormal], d[etailed] or diag[nostic].");
                    return Verbosity.Normal;
            }
        },
    };

    /// <summary>A <c>--device</c> option (default <c>cpu</c>) for a command that runs a model; one instance per command.</summary>
    internal static Option<string> CreateDeviceOption() => new("--device")
    {
        Description = $"Where to run: {QcqaDevice.AcceptedValues}.",
        DefaultValueFactory = _ => "cpu",
    };
}
