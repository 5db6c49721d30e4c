using System.Globalization;

namespace CustomGpt.Tests.Shared;

/// <summary>Reads GET /metrics (Prometheus text format) the way a scraper would.</summary>
public static class Metrics
{
    /// <summary>The value of one series, named with its labels, e.g. <c>customgpt_requests_total{outcome="cancelled"}</c>.</summary>
    public static long Value(string metricsText, string series)
    {
        var line = metricsText.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"/metrics has no series {series}");
        return long.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
