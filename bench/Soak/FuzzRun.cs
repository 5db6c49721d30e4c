using System.Net.Http.Headers;

namespace CustomGpt.Bench.Soak;

/// <summary>Sends <see cref="FuzzBodies"/> to every route and counts the answers. A 5xx or a dropped
/// connection is a finding, reported with the route, seed and index that reproduce its body.</summary>
public static class FuzzRun
{
    public sealed record Finding(string Route, int Index, string What);

    public sealed record Report(IReadOnlyDictionary<int, int> ByStatus, IReadOnlyList<Finding> Findings, int Sent);

    public static async Task<Report> RunAsync(HttpClient http, int bodiesPerRoute, int seed, CancellationToken ct = default)
    {
        var byStatus = new SortedDictionary<int, int>();
        var findings = new List<Finding>();
        foreach (var route in FuzzBodies.ValidBodies.Keys)
        {
            var bodies = new FuzzBodies(seed);
            for (var i = 0; i < bodiesPerRoute; i++)
            {
                var body = bodies.Next(route);
                var status = await SendAsync(http, route, body, ct);
                byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
                if (status is 0 or >= 500) findings.Add(new Finding(route, i, status == 0 ? "connection failed" : $"HTTP {status}"));
            }
        }
        return new Report(byStatus, findings, bodiesPerRoute * FuzzBodies.ValidBodies.Count);
    }

    /// <summary>The status of one POST, or 0 when no answer came.</summary>
    public static async Task<int> SendAsync(HttpClient http, string route, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await http.PostAsync(route, content, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }
}
