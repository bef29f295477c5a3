using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Benchmarks.Scale;

/// <summary>
/// The acceptance run of issue 16: `dotnet qcqa build` of a Llama-2-7B-shaped checkpoint with every default —
/// calibration on 2,048 tokens, evaluation over 2,048 tokens, one AC-50 variant (aligned merge and fitness, the
/// default allocation) and one fine-tuned AC-50 — measured from outside as a user would (wall, processor time, peak
/// resident memory of the engine process), then the same build again, which must write nothing. Targets: ≤ 25 min
/// and ≤ 6 GB peak for the first build.
/// </summary>
public sealed class Build7BBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "build-7b";

    /// <inheritdoc />
    public string Description => "`dotnet qcqa build` of a 7B-shaped checkpoint with every default, then a no-op rebuild: wall, CPU, peak RSS " +
                                 "[model-dir] [--work DIR] [--tokens N] [--finetune YAML] [--memory-limit SIZE] [--precision float32|bfloat16]";

    /// <summary>The fine-tuned variant's settings unless --finetune gives others.</summary>
    public const string DefaultFineTune = "{ tokens: 4096 }";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        string? model = null, work = null, memoryLimit = null;
        var precision = "float32";
        var tokens = 2048;
        var fineTune = DefaultFineTune;
        for (var a = 0; a < args.Length; a++)
        {
            switch (args[a])
            {
                case "--work": work = args[++a]; break;
                case "--tokens": tokens = int.Parse(args[++a], CultureInfo.InvariantCulture); break;
                case "--finetune": fineTune = args[++a]; break;
                case "--memory-limit": memoryLimit = args[++a]; break;
                case "--precision": precision = args[++a]; break;
                default: model = Path.GetFullPath(args[a]); break;
            }
        }
        using var temp = new TempFolder("build7b");
        work = work is null ? temp.Path : Path.GetFullPath(work);
        Directory.CreateDirectory(work);
        if (model is null)
        {
            model = Path.Combine(work, "llama2-7b");
            if (!File.Exists(Path.Combine(model, "config.json")))
            {
                Console.WriteLine($"writing a synthetic Llama-2-7B-shaped checkpoint (13.5 GB) to {model}");
                SyntheticLlamaCheckpoint.Write(model, SyntheticCheckpointOptions.Llama2_7B);
            }
        }
        var engine = RepositoryLayout.EnginePath;
        if (!File.Exists(engine)) throw new InvalidOperationException($"The engine {engine} is not built; run `dotnet build -c Release src/Qcqa.Cli` first.");

        var reference = RepositoryLayout.Combine("samples", "ReferenceModel", "tiny-llama-kjv");
        // Byte-level tokenizer: a token per byte, so a few times the token count in characters is plenty.
        File.WriteAllText(Path.Combine(work, "calibration.txt"), Repeat(File.ReadAllText(Path.Combine(reference, "calibration.txt")), tokens * 4));
        File.WriteAllText(Path.Combine(work, "heldout.txt"), Repeat(File.ReadAllText(Path.Combine(reference, "heldout.txt")), tokens * 4));
        var spec = Path.Combine(work, "qcqa.yaml");
        File.WriteAllText(spec, string.Create(CultureInfo.InvariantCulture, $$"""
            calibration: { text: calibration.txt, max_tokens: {{tokens}}, probe_tokens: {{tokens}} }
            evaluation: { text: heldout.txt, max_tokens: {{tokens}}, precision: {{precision}} }
            models:
              - name: llama2-7b
                path: {{model}}
                variants:
                  - { name: ac-50, mode: arbitrary, budget: 0.5 }
                  - { name: ac-50-ft, mode: arbitrary, budget: 0.5, finetune: {{fineTune}} }
            """));
        long weightBytes;
        weightBytes = Directory.GetFiles(model, "*.safetensors").Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"model {model} ({weightBytes / 1e9:F1} GB of weights); spec {spec}");
        Console.WriteLine(File.ReadAllText(spec));
        Console.WriteLine($"engine {engine}; load average before: {MachineLoad.Averages()}");

        var first = Build("first build", engine, spec, work, memoryLimit);
        var second = Build("no-op rebuild", engine, spec, work, memoryLimit);
        Console.WriteLine($"load average after: {MachineLoad.Averages()}");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first build   {first.Figures}   target ≤ 1500 s and ≤ 6.00 GB: {(first.Figures.Wall.TotalSeconds <= 1500 && first.Figures.PeakRss <= 6e9 ? "met" : "MISSED")}"));
        Console.WriteLine($"no-op rebuild {second.Figures}   {Summary(second)}");
        foreach (var (label, run) in new[] { ("first build", first), ("no-op rebuild", second) })
        {
            Console.WriteLine();
            Console.WriteLine($"{label}, by stage (each row: since the stage before it finished)");
            ProcessMeter.PrintStages(run.Stages, Console.WriteLine);
        }
        var report = Path.Combine(work, "out", "summary.md");
        if (File.Exists(report)) Console.WriteLine(Environment.NewLine + File.ReadAllText(report));
    }

    private static ProcessMeter.Result Build(string label, string engine, string spec, string work, string? memoryLimit)
    {
        Console.WriteLine($"--- {label}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = work };
        foreach (var argument in new[] { "exec", engine, "build", spec, "--out", Path.Combine(work, "out"), "--cache", Path.Combine(work, "cache") })
            start.ArgumentList.Add(argument);
        if (memoryLimit is not null) { start.ArgumentList.Add("--memory-limit"); start.ArgumentList.Add(memoryLimit); }
        var result = ProcessMeter.Run(start, Console.WriteLine);
        Console.WriteLine($"{label} done: {result.Figures}");
        ProcessMeter.PrintStages(result.Stages, Console.WriteLine);
        if (result.ExitCode != 0) throw new InvalidOperationException($"{label} failed with exit code {result.ExitCode}.");
        return result;
    }

    // The engine's closing line ("QCQA: 0 variants written, 2 up to date …"): what the no-op build did.
    private static string Summary(ProcessMeter.Result result)
        => result.Output.LastOrDefault(l => l.Contains("written", StringComparison.Ordinal)) ?? "(no summary line)";

    private static string Repeat(string text, int characters)
    {
        var builder = new System.Text.StringBuilder(characters + text.Length);
        while (builder.Length < characters) builder.Append(text);
        return builder.ToString();
    }
}
