using System.Globalization;
using System.Text;

namespace CustomGpt.Tests.Shared;

/// <summary>One sample of a scrape: its metric name, labels and value.</summary>
public sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A scrape of GET /metrics: the families' declared types and every sample.</summary>
public sealed record MetricsScrape(IReadOnlyDictionary<string, string> Types, IReadOnlyList<MetricSample> Samples)
{
    /// <summary>The samples named <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    public IEnumerable<MetricSample> Find(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));
}

/// <summary>
/// Reads GET /metrics the way a scraper does: by the grammar of Prometheus' text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/): HELP and TYPE comments, then samples
/// <c>name{label="value",...} value [timestamp]</c> with \\, \" and \n escaped in label values. No maintained
/// parser package is served here; a line that breaks the grammar throws, so a malformed scrape fails the test.
/// </summary>
public static class Metrics
{
    /// <summary>The value of one series, named with all its labels, e.g. <c>customgpt_requests_total{outcome="cancelled"}</c>.</summary>
    public static long Value(string metricsText, string series)
    {
        var wanted = ParseSample(series + " 0", 0);
        var scrape = Parse(metricsText);
        var sample = scrape.Samples.SingleOrDefault(s => s.Name == wanted.Name && SameLabels(s.Labels, wanted.Labels))
            ?? throw new InvalidOperationException($"/metrics has no series {series}");
        return checked((long)sample.Value);
    }

    public static MetricsScrape Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<MetricSample>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            if (line.StartsWith('#'))
            {
                var parts = line[1..].TrimStart().Split(' ', 3, StringSplitOptions.None);
                if (parts[0] == "TYPE")
                {
                    if (parts.Length < 3 || parts[2].Trim() is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                        throw new FormatException($"line {i + 1}: bad TYPE: {line}");
                    if (!types.TryAdd(parts[1], parts[2].Trim())) throw new FormatException($"line {i + 1}: a second TYPE for {parts[1]}");
                }
                continue; // HELP and other comments
            }
            samples.Add(ParseSample(line, i + 1));
        }
        return new MetricsScrape(types, samples);
    }

    static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(l => b.TryGetValue(l.Key, out var v) && v == l.Value);

    static MetricSample ParseSample(string line, int number)
    {
        var at = 0;
        var name = Name(line, ref at, metric: true, number);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (true)
            {
                SkipSpaces(line, ref at);
                if (Peek(line, at) == '}') { at++; break; }
                var label = Name(line, ref at, metric: false, number);
                SkipSpaces(line, ref at);
                Expect(line, ref at, '=', number);
                SkipSpaces(line, ref at);
                Expect(line, ref at, '"', number);
                var value = new StringBuilder();
                while (true)
                {
                    var c = Peek(line, at++) ?? throw new FormatException($"line {number}: unterminated label value");
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        value.Append(Peek(line, at++) switch
                        {
                            '\\' => '\\', '"' => '"', 'n' => '\n',
                            var other => throw new FormatException($"line {number}: bad escape \\{other}"),
                        });
                    }
                    else value.Append(c);
                }
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"line {number}: label {label} twice");
                SkipSpaces(line, ref at);
                if (Peek(line, at) == ',') { at++; continue; }
                Expect(line, ref at, '}', number);
                break;
            }
        }
        var rest = line[at..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2) throw new FormatException($"line {number}: want a value and an optional timestamp: {line}");
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException($"line {number}: bad timestamp {rest[1]}");
        return new MetricSample(name, labels, Number(rest[0], number));
    }

    static double Number(string text, int number) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new FormatException($"line {number}: bad value {text}"),
    };

    /// <summary>Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names the same without colons.</summary>
    static string Name(string line, ref int at, bool metric, int number)
    {
        var start = at;
        while (at < line.Length && (char.IsAsciiLetter(line[at]) || line[at] == '_' || (metric && line[at] == ':') || (at > start && char.IsAsciiDigit(line[at])))) at++;
        if (at == start) throw new FormatException($"line {number}: a name expected at column {start + 1}: {line}");
        return line[start..at];
    }

    static char? Peek(string line, int at) => at < line.Length ? line[at] : null;

    static void SkipSpaces(string line, ref int at)
    {
        while (at < line.Length && line[at] is ' ' or '\t') at++;
    }

    static void Expect(string line, ref int at, char c, int number)
    {
        if (Peek(line, at) != c) throw new FormatException($"line {number}: '{c}' expected at column {at + 1}: {line}");
        at++;
    }
}
