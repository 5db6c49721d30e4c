namespace CustomGpt.Bench;

static class Statistics
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>One line of latency figures (sorted milliseconds): p50 and p99, and what they add over a baseline.</summary>
    public static void ReportLatency(string what, double[] sorted, double[]? baseline)
    {
        static double P(double[] s, double q) => s[Math.Min(s.Length - 1, (int)(q * s.Length))];
        var line = $"{what,-30}: p50 {P(sorted, 0.5),6:F3} ms   p99 {P(sorted, 0.99),6:F3} ms";
        if (baseline is not null) line += $"   added: p50 {P(sorted, 0.5) - P(baseline, 0.5),6:F3} ms   p99 {P(sorted, 0.99) - P(baseline, 0.99),6:F3} ms";
        Console.WriteLine(line);
    }
}
