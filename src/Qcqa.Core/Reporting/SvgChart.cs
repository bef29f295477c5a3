using System.Globalization;
using System.Text;

namespace Qcqa.Core.Reporting;

/// <summary>
/// Renders a small line/scatter chart as standalone SVG: viewable in any browser or on GitHub, with no plotting
/// library or native dependency (the engine runs inside build agents where SkiaSharp's native assets may be absent).
/// </summary>
public sealed class SvgChart
{
    private const int Width = 720;
    private const int Height = 440;
    private const int Left = 84, Right = 180, Top = 40, Bottom = 56;
    // Series that coincide (e.g. GQA and QCQA-EC at one size) stay visible through different dash patterns.
    private static readonly string[] Dashes = ["none", "8 4", "2 3", "10 3 2 3"];
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    /// <summary>Chart title.</summary>
    public required string Title { get; init; }
    /// <summary>X-axis label.</summary>
    public required string XLabel { get; init; }
    /// <summary>Y-axis label.</summary>
    public required string YLabel { get; init; }
    /// <summary>The series, drawn in order with a colour each.</summary>
    public required IReadOnlyList<ChartSeries> Series { get; init; }
    /// <summary>Optional note printed under the title (e.g. a correlation coefficient).</summary>
    public string? Subtitle { get; init; }
    /// <summary>Plot the y axis on a log scale (perplexities span orders of magnitude when a variant breaks).</summary>
    public bool LogY { get; init; }

    /// <summary>The SVG document.</summary>
    public string Render()
    {
        var points = Series.SelectMany(s => s.Points).Where(IsPlottable).ToList();
        var (xMin, xMax) = Range(points.Select(p => p.X));
        var (yMin, yMax) = Range(points.Select(p => Y(p.Y)));
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double Sx(double x) => Left + (x - xMin) / (xMax - xMin) * plotW;
        double Sy(double y) => Top + plotH - (Y(y) - yMin) / (yMax - yMin) * plotH;

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(Title)}</text>\n");
        if (Subtitle is not null) svg.Append($"<text x=\"{Width / 2}\" y=\"35\" text-anchor=\"middle\" fill=\"#555\">{Escape(Subtitle)}</text>\n");

        foreach (var tick in Ticks(xMin, xMax))
        {
            var x = F(Sx(tick));
            svg.Append($"<line x1=\"{x}\" y1=\"{Top}\" x2=\"{x}\" y2=\"{Top + plotH}\" stroke=\"#eee\"/>");
            svg.Append($"<text x=\"{x}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Escape(Format(tick))}</text>\n");
        }
        // Ticks are chosen in value space even on a log axis, so labels stay round numbers.
        foreach (var value in LogY ? Ticks(Math.Pow(10, yMin), Math.Pow(10, yMax)).Where(v => v > 0) : Ticks(yMin, yMax))
        {
            var y = F(Sy(value));
            svg.Append($"<line x1=\"{Left}\" y1=\"{y}\" x2=\"{Left + plotW}\" y2=\"{y}\" stroke=\"#eee\"/>");
            svg.Append($"<text x=\"{Left - 6}\" y=\"{y}\" text-anchor=\"end\" dominant-baseline=\"middle\">{Escape(Format(value))}</text>\n");
        }
        svg.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n");
        svg.Append($"<text x=\"{Left + plotW / 2}\" y=\"{Height - 16}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        svg.Append($"<text transform=\"translate(16,{Top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel + (LogY ? " (log scale)" : ""))}</text>\n");

        for (var s = 0; s < Series.Count; s++)
        {
            var series = Series[s];
            var colour = Palette[s % Palette.Length];
            var visible = series.Points.Select((p, i) => (p, i)).Where(t => IsPlottable(t.p)).ToList();
            if (series.Connect && visible.Count > 1)
            {
                var path = string.Join(" ", visible.OrderBy(t => t.p.X).Select(t => $"{F(Sx(t.p.X))},{F(Sy(t.p.Y))}"));
                svg.Append($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"{Dashes[s % Dashes.Length]}\"/>\n");
            }
            foreach (var (p, i) in visible)
            {
                svg.Append($"<circle cx=\"{F(Sx(p.X))}\" cy=\"{F(Sy(p.Y))}\" r=\"4\" fill=\"{colour}\"><title>{Escape($"{series.Name}: ({Format(p.X)}, {Format(p.Y)})")}</title></circle>");
                if (series.Labels is { } labels && i < labels.Count)
                    svg.Append($"<text x=\"{F(Sx(p.X) + 6)}\" y=\"{F(Sy(p.Y) - 6)}\" font-size=\"10\" fill=\"{colour}\">{Escape(labels[i])}</text>");
                svg.Append('\n');
            }
            var legendY = Top + 10 + s * 20;
            svg.Append($"<line x1=\"{Left + plotW + 14}\" y1=\"{legendY}\" x2=\"{Left + plotW + 34}\" y2=\"{legendY}\" stroke=\"{colour}\" stroke-width=\"3\" stroke-dasharray=\"{(series.Connect ? Dashes[s % Dashes.Length] : "none")}\"/>");
            svg.Append($"<text x=\"{Left + plotW + 40}\" y=\"{legendY}\" dominant-baseline=\"middle\">{Escape(series.Name)}</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private double Y(double y) => LogY ? Math.Log10(y) : y;

    // NaN, infinities and (on a log axis) non-positive values have no place on the chart and are left out.
    private bool IsPlottable((double X, double Y) p) => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!LogY || p.Y > 0);

    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count == 0) return (0, 1);
        double min = list.Min(), max = list.Max();
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max))) { min -= 0.5; max += 0.5; }
        var pad = (max - min) * 0.06;
        return (min - pad, max + pad);
    }

    // Five or so round tick values inside [min, max] (1-2-5 steps).
    private static IEnumerable<double> Ticks(double min, double max)
    {
        var raw = (max - min) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        for (var t = Math.Ceiling(min / step) * step; t <= max; t += step) yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
    }

    private static string Format(double v) => Math.Abs(v) >= 1000 || (Math.Abs(v) < 0.01 && v != 0)
        ? v.ToString("G3", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
