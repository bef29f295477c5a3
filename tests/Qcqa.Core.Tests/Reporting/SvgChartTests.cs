using System.Xml.Linq;
using Qcqa.Core.Reporting;

namespace Qcqa.Core.Tests.Reporting;

public class SvgChartTests
{
    [Fact]
    public void GivenSeriesItRendersWellFormedSvgWithOneMarkerPerPointAndALegendEntryPerSeries()
    {
        var chart = new SvgChart
        {
            Title = "Perplexity vs KV cache <&>",
            XLabel = "KV-cache fraction",
            YLabel = "perplexity",
            LogY = true,
            Series =
            [
                new ChartSeries("GQA", [(0.25, 40.0), (0.5, 12.0), (1.0, 5.0)]),
                new ChartSeries("QCQA-AC", [(0.25, 20.0), (0.5, 8.0)], Labels: ["a", "b"]),
            ],
        };

        var document = XDocument.Parse(chart.Render());

        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(5, document.Descendants(svg + "circle").Count());
        Assert.Equal(2, document.Descendants(svg + "polyline").Count());
        var texts = document.Descendants(svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("Perplexity vs KV cache <&>", texts);
        Assert.Contains("GQA", texts);
        Assert.Contains("QCQA-AC", texts);
    }

    [Fact]
    public void GivenNonPositiveValuesOnALogAxisItLeavesThemOutInsteadOfFailing()
    {
        var chart = new SvgChart
        {
            Title = "t", XLabel = "x", YLabel = "y", LogY = true,
            Series = [new ChartSeries("s", [(0, 0.0), (1, 10.0), (2, double.NaN)])],
        };

        var document = XDocument.Parse(chart.Render());

        Assert.Single(document.Descendants(XName.Get("circle", "http://www.w3.org/2000/svg")));
    }
}
