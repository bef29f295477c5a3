using System.Diagnostics;
using System.Globalization;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Llama;

namespace Qcqa.ReferenceModel;

/// <summary>
/// Next-byte training with Qcqa.Torch's <see cref="TrainingStep"/> (AdamW with β = (0.9, 0.95), ε = 1e-8 and decoupled
/// weight decay on matrices only; global gradient-norm clipping), the <see cref="LearningRateSchedule"/> (linear warm-up,
/// cosine decay), and batches from a <see cref="TokenWindowSampler"/> — the pieces fine-tuning uses.
/// </summary>
public static class TrainingLoop
{
    private const int CalibrationStart = 10;  // steps ignored while allocations settle
    private const int CalibrationEnd = 100;   // the step count is fixed after this many steps (= the default warm-up)
    private const double BudgetMargin = 0.95; // plan for 95 % of the remaining budget
    private const double HardStopFactor = 1.15;
    private const int HeldOutSampleWindows = 32;

    /// <summary>Trains <paramref name="model"/> in place.</summary>
    /// <param name="model">The model (float32, on its device).</param>
    /// <param name="split">Training and held-out bytes.</param>
    /// <param name="options">Hyper-parameters, step count or time budget.</param>
    /// <param name="log">Progress lines.</param>
    public static TrainingSummary Run(LlamaModel model, CorpusSplit split, TrainerOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SequenceLength > model.Config.MaxPositionEmbeddings)
            throw new TrainerException($"--seq {options.SequenceLength} exceeds max_position_embeddings ({model.Config.MaxPositionEmbeddings}).");

        var budgetSeconds = options.Minutes * 60;
        var plannedSteps = options.Steps ?? (budgetSeconds is null ? 2000 : int.MaxValue);
        var schedule = new LearningRateSchedule(options.LearningRate, options.MinLearningRateRatio, options.WarmupSteps, plannedSteps);
        var sampler = new TokenWindowSampler(Array.ConvertAll(split.Training, b => (long)b), options.BatchSize, options.SequenceLength,
            unchecked((ulong)options.Seed) ^ 0x5EED_DA7A_0000_0001UL);
        var tokensPerStep = (long)options.BatchSize * options.SequenceLength;

        using var trainingStep = new TrainingStep(model, model.parameters(), options.WeightDecay, options.GradientClip);

        var points = new List<TrainingLogPoint>();
        var evaluations = new List<(int, double)>();
        var recentLosses = new Queue<double>();
        const int finalWindow = 100;
        double intervalLoss = 0;
        var intervalSteps = 0;
        double calibrationStartSeconds = 0;
        var stoppedEarly = false;
        var clock = Stopwatch.StartNew();
        var intervalStart = 0.0;

        model.train();
        var step = 0;
        for (; step < plannedSteps; step++)
        {
            if (budgetSeconds is { } budget && clock.Elapsed.TotalSeconds > budget * HardStopFactor)
            {
                log.WriteLine($"time guard: {clock.Elapsed.TotalMinutes:F1} min exceed {HardStopFactor:P0} of the budget; stopping at step {step}.");
                stoppedEarly = true;
                break;
            }

            var lr = schedule.At(step);
            var (inputs, targets) = sampler.Next();
            TrainingStepOutcome outcome;
            using (inputs)
            using (targets)
            {
                outcome = trainingStep.Run(inputs, targets, lr);
            }
            var (loss, norm) = (outcome.Loss, outcome.GradientNorm);
            if (!outcome.Updated) throw new TrainerException($"The training loss became {loss} (gradient norm {norm}) at step {step + 1}; lower --lr.");

            intervalLoss += loss;
            intervalSteps++;
            recentLosses.Enqueue(loss);
            if (recentLosses.Count > finalWindow) recentLosses.Dequeue();
            var done = step + 1;

            if (done == CalibrationStart) calibrationStartSeconds = clock.Elapsed.TotalSeconds;
            if (done == CalibrationEnd && budgetSeconds is { } total)
            {
                var now = clock.Elapsed.TotalSeconds;
                var perStep = (now - calibrationStartSeconds) / (CalibrationEnd - CalibrationStart);
                var affordable = CalibrationEnd + (int)Math.Floor(Math.Max(0, total - now) * BudgetMargin / perStep);
                var fixedSteps = Math.Max(CalibrationEnd + 1, Math.Min(options.Steps ?? int.MaxValue, affordable));
                plannedSteps = fixedSteps;
                schedule = schedule with { TotalSteps = plannedSteps };
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"calibration: {perStep:F3} s/step; the {options.Minutes} min budget gives {plannedSteps} steps (re-run exactly with --steps {plannedSteps})."));
            }

            if (done % options.LogEvery == 0 || done == plannedSteps)
            {
                var elapsed = clock.Elapsed.TotalSeconds;
                var point = new TrainingLogPoint(done, intervalLoss / intervalSteps, lr, norm,
                    intervalSteps * tokensPerStep / Math.Max(1e-9, elapsed - intervalStart), elapsed);
                points.Add(point);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {done,5}/{(plannedSteps == int.MaxValue ? "?" : plannedSteps.ToString(CultureInfo.InvariantCulture))}  loss {point.Loss:F4}  lr {lr:E2}  |g| {norm:F3}  tok/s {point.TokensPerSecond:F0}  elapsed {elapsed / 60:F1} min"));
                intervalLoss = 0;
                intervalSteps = 0;
                intervalStart = elapsed;
            }

            if (options.EvalEvery > 0 && (done % options.EvalEvery == 0 || done == plannedSteps))
            {
                var sampleTokens = new ArraySegment<long>(split.HeldOutTokens, 0, Math.Min(split.HeldOutTokens.Length, HeldOutSampleWindows * options.SequenceLength));
                var sample = PerplexityEvaluator.Evaluate(model, sampleTokens, new PerplexityOptions { WindowSize = options.SequenceLength, BatchSize = options.EvalBatch });
                evaluations.Add((done, sample.Perplexity));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"eval  {done,5}: held-out sample ({sample.Tokens} bytes) perplexity {sample.Perplexity:F3}, {sample.BitsPerByte():F3} bits/byte"));
                intervalStart = clock.Elapsed.TotalSeconds; // keep throughput figures about training only
            }
        }
        clock.Stop();
        return new TrainingSummary(step, step * tokensPerStep, clock.Elapsed.TotalSeconds,
            recentLosses.Count == 0 ? double.NaN : recentLosses.Average(), recentLosses.Count, stoppedEarly, plannedSteps, points, evaluations);
    }
}
