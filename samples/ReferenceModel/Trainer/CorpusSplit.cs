using System.Text;

namespace Qcqa.ReferenceModel;

/// <summary>
/// The deterministic split of the corpus: every <see cref="HeldOutPeriod"/>-th chapter in canonical order (the
/// chapters with zero-based index i where i mod 25 = 24, i.e. the 25th, 50th, … chapter of the Bible) is held out;
/// all other chapters, in order, are the training text. Both are the chapters' texts concatenated (one verse per
/// line), UTF-8 (ASCII).
/// </summary>
/// <remarks>
/// Held-out chapters are spread over the whole Bible, so the held-out text has the same mix of narrative, law, poetry
/// and letters as the training text. Some verses recur elsewhere nearly verbatim (Kings/Chronicles, Psalms 14/53,
/// the synoptic gospels), so a little of the held-out text has close parallels in training; that is inherent in the
/// corpus and favours no particular model.
/// </remarks>
public sealed class CorpusSplit
{
    /// <summary>One chapter in this many is held out.</summary>
    public const int HeldOutPeriod = 25;

    /// <summary>Zero-based chapter index modulo <see cref="HeldOutPeriod"/> that selects held-out chapters.</summary>
    public const int HeldOutPhase = HeldOutPeriod - 1;

    /// <summary>Upper limit on the held-out text, in bytes.</summary>
    public const int MaxHeldOutBytes = 200 * 1024;

    private CorpusSplit(byte[] training, byte[] heldOut, IReadOnlyList<string> heldOutChapters)
    {
        Training = training;
        HeldOut = heldOut;
        HeldOutTokens = Array.ConvertAll(heldOut, b => (long)b);
        HeldOutChapters = heldOutChapters;
    }

    /// <summary>The training text's bytes.</summary>
    public byte[] Training { get; }

    /// <summary>The held-out text's bytes (what <c>heldout.txt</c> contains).</summary>
    public byte[] HeldOut { get; }

    /// <summary>The held-out text as byte-level token ids (token = byte value), as Qcqa.Torch's evaluator reads them.</summary>
    public long[] HeldOutTokens { get; }

    /// <summary>Labels of the held-out chapters, in order (e.g. <c>Ge25</c>).</summary>
    public IReadOnlyList<string> HeldOutChapters { get; }

    /// <summary>Splits the chapters.</summary>
    /// <exception cref="TrainerException">The held-out text would exceed <see cref="MaxHeldOutBytes"/>.</exception>
    public static CorpusSplit Of(IReadOnlyList<KjvChapter> chapters)
    {
        var training = new StringBuilder();
        var heldOut = new StringBuilder();
        var labels = new List<string>();
        for (var i = 0; i < chapters.Count; i++)
        {
            if (i % HeldOutPeriod == HeldOutPhase)
            {
                heldOut.Append(chapters[i].Text);
                labels.Add(chapters[i].Label);
            }
            else
            {
                training.Append(chapters[i].Text);
            }
        }
        var split = new CorpusSplit(Encoding.UTF8.GetBytes(training.ToString()), Encoding.UTF8.GetBytes(heldOut.ToString()), labels);
        if (split.HeldOut.Length > MaxHeldOutBytes)
            throw new TrainerException($"The held-out text has {split.HeldOut.Length} bytes, more than the limit of {MaxHeldOutBytes}.");
        return split;
    }
}
