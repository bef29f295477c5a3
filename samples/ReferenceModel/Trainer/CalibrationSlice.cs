using System.Text;

namespace Qcqa.ReferenceModel;

/// <summary>
/// The calibration (and fine-tuning) text shipped with the reference model: training chapters only, spread over the
/// whole Bible like the held-out ones, so that calibration statistics see the same mix of narrative, law, poetry and
/// letters without ever touching <c>heldout.txt</c>.
/// </summary>
/// <remarks>
/// Chapter i (zero-based, canonical order) is taken when i mod <see cref="CorpusSplit.HeldOutPeriod"/> is one of
/// <see cref="Phases"/>; held-out chapters have phase <see cref="CorpusSplit.HeldOutPhase"/>, which is not among them.
/// The text is cut at the last verse boundary before <see cref="MaxBytes"/>.
/// </remarks>
public static class CalibrationSlice
{
    /// <summary>The chapter phases taken (mod 25): two chapters in every 25, midway between held-out chapters.</summary>
    public static readonly int[] Phases = [6, 12];

    /// <summary>Upper limit on the slice, in bytes.</summary>
    public const int MaxBytes = 240 * 1024;

    /// <summary>The slice's bytes (UTF-8, ASCII in practice, one verse per line).</summary>
    public static byte[] Of(IReadOnlyList<KjvChapter> chapters)
    {
        if (Phases.Contains(CorpusSplit.HeldOutPhase)) throw new InvalidOperationException("The calibration slice must not take held-out chapters.");
        var text = new StringBuilder();
        for (var i = 0; i < chapters.Count; i++)
        {
            if (!Phases.Contains(i % CorpusSplit.HeldOutPeriod)) continue;
            foreach (var verse in chapters[i].Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (text.Length + verse.Length + 1 > MaxBytes) return Encoding.UTF8.GetBytes(text.ToString());
                text.Append(verse).Append('\n');
            }
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
