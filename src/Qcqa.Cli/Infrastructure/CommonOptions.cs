using System.CommandLine;
using Qcqa.Core.Memory;
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

    /// <summary>
    /// <c>--memory-limit &lt;size&gt;</c> (<c>6GB</c>, <c>800MB</c>, bytes): what the command may use; every stage plans its
    /// chunking against it or refuses before it starts (QCQA061). Unset: 75 % of what the machine or container offers.
    /// </summary>
    internal static Option<long?> CreateMemoryLimitOption() => new("--memory-limit")
    {
        Description = "Memory the work may use, e.g. 6GB or 800MB (default: 75 % of what the machine or container offers). Stages fit their chunking to it or stop before starting.",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            try
            {
                return MemoryLimit.Parse(text);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                result.AddError($"--memory-limit: {e.Message}");
                return null;
            }
        },
    };

    /// <summary>The limit a <c>--memory-limit</c> value sets, or the machine's default share when it is absent.</summary>
    internal static MemoryLimit ResolveMemoryLimit(long? bytes) => MemoryLimit.Resolve(bytes, "--memory-limit");

    /// <summary><c>--calibration &lt;file&gt;</c>: text from the model's training data that weights the aligned merge.</summary>
    internal static Option<string?> CreateCalibrationOption() => new Option<string?>("--calibration")
    {
        Description = "Calibration text (from the model's training data, never held-out text): the original model reads it once so that merge errors are weighted by how the data uses each direction. Without it, weights alone.",
    }.NonEmptyPath();
}
