namespace Qcqa.Cli.Output;

/// <summary>A plain, right-aligned text table for one-screen summaries.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    internal void Add(params string[] cells) => _rows.Add(cells);

    internal void Write(TextWriter output)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadLeft(widths[i]))));
        foreach (var row in _rows) output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadLeft(widths[i]))));
    }
}
