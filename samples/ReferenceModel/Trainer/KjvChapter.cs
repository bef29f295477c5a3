namespace Qcqa.ReferenceModel;

/// <summary>One chapter of the corpus with the verse labels removed.</summary>
/// <param name="Book">The book's abbreviation as <c>bible</c> prints it (<c>Ge</c>, <c>1Sm</c>, <c>Rev</c>).</param>
/// <param name="Chapter">The chapter number within the book, from 1.</param>
/// <param name="Text">The verses in order, one per line, each ending with <c>\n</c>; ASCII.</param>
public sealed record KjvChapter(string Book, int Chapter, string Text)
{
    /// <summary>The chapter's label, e.g. <c>Ge25</c>.</summary>
    public string Label => Book + Chapter.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
