namespace Qcqa.Core.Reporting;

/// <summary>One named series of a chart: points joined by a line, or scattered markers.</summary>
/// <param name="Name">Legend label.</param>
/// <param name="Points">(x, y) points; a line series is drawn in ascending x.</param>
/// <param name="Connect">True to join the points with a line; false for markers only.</param>
/// <param name="Labels">Optional per-point labels drawn beside the markers (same length as <paramref name="Points"/>).</param>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, bool Connect = true, IReadOnlyList<string>? Labels = null);
