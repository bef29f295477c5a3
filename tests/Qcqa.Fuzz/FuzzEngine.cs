using System.Diagnostics;
using System.Security.Cryptography;

namespace Qcqa.Fuzz;

/// <summary>
/// The in-process fuzzing loop. Each execution takes a corpus entry (seed files, then whatever earlier executions
/// kept), mutates it, or generates a fresh document from the target's grammar, and runs the target. An outcome
/// label not seen before (a new error code or message shape, a new success shape) is the feedback: the input that
/// produced it joins the corpus, so later mutations start from inputs that reach new checks. Any exception other than
/// the engine's user errors, and any input slower than the limit, is a finding.
/// </summary>
/// <remarks>
/// Deterministic for a given seed, corpus and execution count, so a finding replays with the same command. A stack
/// overflow cannot be caught in .NET: it ends the process, which a caller (CI) sees as a failure; the readers bound
/// their nesting so that it cannot happen.
/// </remarks>
internal sealed class FuzzEngine(FuzzTarget target, ulong seed, TimeSpan limit)
{
    private const int MaxCorpus = 4096;

    /// <summary>Runs <paramref name="executions"/> inputs, starting from <paramref name="seeds"/>.</summary>
    /// <param name="executions">How many inputs to run.</param>
    /// <param name="seeds">Seed inputs (run first, unchanged).</param>
    /// <param name="progress">Receives a line now and then; null for none.</param>
    internal FuzzReport Run(long executions, IReadOnlyList<byte[]> seeds, Action<string>? progress = null)
    {
        var random = new FuzzRandom(seed ^ (ulong)target.Name.GetHashCode(StringComparison.Ordinal) * 0x9E3779B97F4A7C15UL);
        var corpus = new List<byte[]>(seeds);
        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        var findings = new List<(byte[], string)>();
        var problems = new HashSet<string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var single = new Stopwatch();
        var maxTicks = 0L;
        byte[] slowest = [];
        var nextReport = TimeSpan.FromSeconds(30);

        for (long n = 0; n < executions; n++)
        {
            var input = n < seeds.Count ? seeds[(int)n]
                : corpus.Count == 0 || random.Chance(15) ? target.Generate(random)
                : Mutator.Mutate(random.Pick(corpus), random, target.Tokens, corpus);
            string outcome;
            single.Restart();
            try
            {
                outcome = target.Run(input);
            }
            catch (Exception e)
            {
                outcome = $"CRASH {e.GetType().Name}";
                var problem = $"{e.GetType().FullName}: {e.Message}\n{e.StackTrace}";
                // One finding per distinct crash site, not one per input that reaches it.
                if (problems.Add(e.GetType().FullName + "@" + FirstFrame(e))) findings.Add((input, problem));
            }
            single.Stop();
            if (single.ElapsedTicks > maxTicks)
            {
                maxTicks = single.ElapsedTicks;
                slowest = input;
            }
            if (single.Elapsed > limit && problems.Add("slow@" + outcome))
                findings.Add((input, $"took {single.Elapsed.TotalMilliseconds:0} ms (limit {limit.TotalMilliseconds:0} ms); outcome {outcome}"));

            if (outcomes.Add(outcome) && n >= seeds.Count)
            {
                if (corpus.Count >= MaxCorpus) corpus[random.Next(corpus.Count)] = input;
                else corpus.Add(input);
            }
            if (progress is not null && clock.Elapsed > nextReport)
            {
                nextReport += TimeSpan.FromSeconds(30);
                progress($"{target.Name}: {n + 1:N0} executions, {outcomes.Count} outcomes, slowest {maxTicks * 1000.0 / Stopwatch.Frequency:0.0} ms, {findings.Count} finding(s)");
            }
        }
        return new FuzzReport(target.Name, executions, maxTicks * 1000.0 / Stopwatch.Frequency, outcomes.Count, corpus.Count, findings, clock.Elapsed.TotalSeconds, slowest);
    }

    /// <summary>Saves findings as files named by their content hash, with the problem beside each.</summary>
    internal static void Save(FuzzReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var (input, problem) in report.Findings)
        {
            var name = $"{report.Target}-{Convert.ToHexStringLower(SHA256.HashData(input))[..16]}";
            File.WriteAllBytes(Path.Combine(folder, name + ".bin"), input);
            File.WriteAllText(Path.Combine(folder, name + ".txt"), problem);
        }
    }

    private static string FirstFrame(Exception e)
        => e.StackTrace?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
