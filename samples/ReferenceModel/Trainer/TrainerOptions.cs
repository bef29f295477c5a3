using System.Globalization;

namespace Qcqa.ReferenceModel;

/// <summary>The trainer's command line. Defaults are the recipe of the shipped model.</summary>
public sealed record TrainerOptions
{
    /// <summary>Optimiser steps; null means "as many as <see cref="Minutes"/> allows" (or 2,000 without a budget).</summary>
    public int? Steps { get; init; }

    /// <summary>Time budget for the training loop in minutes; the step count is fixed from the speed of the first steps.</summary>
    public double? Minutes { get; init; }

    /// <summary>Seed of the initialisation and of the data order.</summary>
    public long Seed { get; init; } = 20240601;

    /// <summary>The model folder to write.</summary>
    public string? Out { get; init; }

    /// <summary>Where the corpus listing is cached.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Run <c>apt-get install -y bible-kjv</c> when the corpus program is missing (root only).</summary>
    public bool InstallCorpus { get; init; }

    /// <summary>Windows per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Tokens per window (the model sees this many, predicting the next byte at each).</summary>
    public int SequenceLength { get; init; } = 256;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Final learning rate as a fraction of the peak (cosine decay ends there).</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW decoupled weight decay, applied to matrices (not to norm weights).</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Global gradient-norm clip.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Log every this many steps.</summary>
    public int LogEvery { get; init; } = 25;

    /// <summary>Evaluate a held-out sample every this many steps (0 = never during training).</summary>
    public int EvalEvery { get; init; } = 250;

    /// <summary>Intra-op threads for libtorch; null keeps libtorch's default.</summary>
    public int? Threads { get; init; }

    /// <summary>Stored dtype of the written weights: <c>bf16</c> or <c>f16</c>.</summary>
    public string Dtype { get; init; } = "bf16";

    /// <summary>Skip training: reload the checkpoint in <see cref="Out"/> and print its metrics.</summary>
    public bool EvaluateOnly { get; init; }

    /// <summary>Skip training: write the calibration text (a slice of the training split) to this file.</summary>
    public string? WriteCalibration { get; init; }

    /// <summary>Full windows per forward pass in the held-out evaluation (changes float32 rounding only).</summary>
    public int EvalBatch { get; init; } = 16;

    /// <summary>Print usage and exit.</summary>
    public bool Help { get; init; }

    /// <summary>Usage text.</summary>
    public const string Usage = """
        Trains the reference model tiny-llama-kjv (byte-level Llama, King James Bible) and writes it in Hugging Face layout.

        Usage: dotnet run -c Release --project samples/ReferenceModel/Trainer -- [options]

          --steps N            optimiser steps (default: from --minutes, else 2000)
          --minutes M          time budget of the training loop; fixes the step count from the first steps' speed
          --seed S             seed of initialisation and data order (default 20240601)
          --out DIR            model folder to write (default samples/ReferenceModel/tiny-llama-kjv)
          --cache-dir DIR      corpus cache (default $TMPDIR/qcqa-reference-model)
          --install-corpus     run 'apt-get install -y bible-kjv' if /usr/bin/bible is missing (root only)
          --batch B            windows per step (default 16)
          --seq T              tokens per window (default 256)
          --lr X               peak learning rate (default 3e-3)
          --min-lr-ratio R     final / peak learning rate (default 0.1)
          --warmup N           warm-up steps (default 100)
          --weight-decay X     AdamW weight decay on matrices (default 0.1)
          --clip X             gradient-norm clip (default 1.0)
          --log-every N        log interval in steps (default 25)
          --eval-every N       held-out sample evaluation interval (default 250, 0 = off)
          --threads N          libtorch intra-op threads (default: libtorch's choice)
          --dtype bf16|f16     stored dtype (default bf16)
          --eval-batch N       windows per forward pass in the held-out evaluation (default 16)
          --evaluate-only      reload the model in --out and print its held-out and unigram perplexities
          --write-calibration F  write the calibration text (training chapters only, see CalibrationSlice) to F
          --help               this text
        """;

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="TrainerException">An unknown option or a bad value.</exception>
    public static TrainerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new TrainerOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count) throw new TrainerException($"Option {name} needs a value.");
                return args[++i];
            }
            options = name switch
            {
                "--steps" => options with { Steps = PositiveInt(name, Value()) },
                "--minutes" => options with { Minutes = PositiveDouble(name, Value()) },
                "--seed" => options with { Seed = Long(name, Value()) },
                "--out" => options with { Out = Value() },
                "--cache-dir" => options with { CacheDir = Value() },
                "--install-corpus" => options with { InstallCorpus = true },
                "--batch" => options with { BatchSize = PositiveInt(name, Value()) },
                "--seq" => options with { SequenceLength = PositiveInt(name, Value()) },
                "--lr" => options with { LearningRate = PositiveDouble(name, Value()) },
                "--min-lr-ratio" => options with { MinLearningRateRatio = Fraction(name, Value()) },
                "--warmup" => options with { WarmupSteps = NonNegativeInt(name, Value()) },
                "--weight-decay" => options with { WeightDecay = NonNegativeDouble(name, Value()) },
                "--clip" => options with { GradientClip = PositiveDouble(name, Value()) },
                "--log-every" => options with { LogEvery = PositiveInt(name, Value()) },
                "--eval-every" => options with { EvalEvery = NonNegativeInt(name, Value()) },
                "--threads" => options with { Threads = PositiveInt(name, Value()) },
                "--dtype" => options with { Dtype = DtypeName(name, Value()) },
                "--eval-batch" => options with { EvalBatch = PositiveInt(name, Value()) },
                "--evaluate-only" => options with { EvaluateOnly = true },
                "--write-calibration" => options with { WriteCalibration = Value() },
                "--help" or "-h" or "-?" => options with { Help = true },
                _ => throw new TrainerException($"Unknown option '{name}'. Use --help for the list."),
            };
        }
        return options;
    }

    private static int PositiveInt(string name, string text)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new TrainerException($"{name} must be a positive integer, not '{text}'.");

    private static int NonNegativeInt(string name, string text)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw new TrainerException($"{name} must be a non-negative integer, not '{text}'.");

    private static long Long(string name, string text)
        => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n : throw new TrainerException($"{name} must be an integer, not '{text}'.");

    private static double PositiveDouble(string name, string text)
        => TryDouble(text, out var x) && x > 0 ? x : throw new TrainerException($"{name} must be a positive number, not '{text}'.");

    private static double NonNegativeDouble(string name, string text)
        => TryDouble(text, out var x) && x >= 0 ? x : throw new TrainerException($"{name} must be a non-negative number, not '{text}'.");

    private static double Fraction(string name, string text)
        => TryDouble(text, out var x) && x is >= 0 and <= 1 ? x : throw new TrainerException($"{name} must be a number in [0, 1], not '{text}'.");

    private static bool TryDouble(string text, out double value)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static string DtypeName(string name, string text)
        => text.ToLowerInvariant() is "bf16" or "f16" ? text.ToLowerInvariant() : throw new TrainerException($"{name} must be bf16 or f16, not '{text}'.");
}
