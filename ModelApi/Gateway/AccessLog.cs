using System.Diagnostics;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// One log line per HTTP request, rejections included: method, route, status, latency, the caller
/// (key alias or id, never the secret), tokens, tokens/s, finish reason, request id and trace.
/// The request id comes from X-Request-Id when the caller sent a sensible one, and goes back in the response.
/// </summary>
public sealed class AccessLog(RequestDelegate next, ILogger<AccessLog> logger, GatewayMetrics metrics, IConfiguration config)
{
    public const string RequestIdHeader = "X-Request-Id";
    readonly string? project = config["GOOGLE_CLOUD_PROJECT"]?.Trim() is { Length: > 0 } p ? p : null;

    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var record = new RequestUsage(RequestId(http.Request));
        http.Features.Set(record);
        http.Response.Headers[RequestIdHeader] = record.RequestId;
        try
        {
            await next(http);
        }
        finally
        {
            var entry = Entry(http, record, Stopwatch.GetElapsedTime(started));
            metrics.Served(entry.Caller ?? "none", entry.PromptTokens, entry.CompletionTokens);
            if (entry.Model is { } model) metrics.ServedModel(model, entry.Deployment, entry.Status, entry.PromptTokens, entry.CompletionTokens, record.Costs.Of(entry.PromptTokens, entry.CompletionTokens));
            if (record.Rejection is { } reason) metrics.Rejected(reason);
            var level = entry.Status >= 500 ? LogLevel.Error : entry.Status >= 400 ? LogLevel.Warning : LogLevel.Information;
            logger.Log(level, default, entry, null, static (e, _) => e.ToString());
        }
    }

    AccessLogEntry Entry(HttpContext http, RequestUsage record, TimeSpan latency)
    {
        var (prompt, completion, finish, tokensPerSecond) = record.Usage();
        var request = http.Request;
        // The path only: a query string may carry a key (/key/info?key=...).
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? request.Path.Value ?? "/";
        return new AccessLogEntry(request.Method, route, request.Path.Value ?? "/", http.Response.StatusCode, latency,
            Caller.Of(http)?.Name, prompt, completion, tokensPerSecond, finish, record.Rejection, record.RequestId, Trace(request),
            request.Headers.UserAgent.ToString(), http.Connection.RemoteIpAddress?.ToString(), record.Model, record.Deployment);
    }

    static string RequestId(HttpRequest request)
    {
        var given = request.Headers[RequestIdHeader].ToString();
        return given.Length is > 0 and <= 128 && given.All(c => c is > ' ' and < (char)127) ? given : Guid.NewGuid().ToString("N");
    }

    /// <summary>X-Cloud-Trace-Context is "TRACE_ID/SPAN_ID;o=1"; Cloud Logging links "projects/P/traces/TRACE_ID".</summary>
    string? Trace(HttpRequest request)
    {
        var header = request.Headers["X-Cloud-Trace-Context"].ToString();
        var id = header.Split('/')[0].Trim();
        if (id.Length is 0 or > 64 || !id.All(char.IsAsciiHexDigit)) return null;
        return project is null ? id : $"projects/{project}/traces/{id}";
    }
}

/// <summary>One access log line: its fields for the JSON formatter, its text for everything else.</summary>
public sealed record AccessLogEntry(string Method, string Route, string Path, int Status, TimeSpan Latency, string? Caller,
    int PromptTokens, int CompletionTokens, double TokensPerSecond, string? FinishReason, string? Rejection, string RequestId,
    string? Trace, string UserAgent, string? RemoteIp, string? Model = null, string? Deployment = null)
{
    public override string ToString() =>
        $"{Method} {Route} {Status} {Latency.TotalMilliseconds:F1} ms key={Caller ?? "-"} " +
        (Model is null ? "" : $"model={Model} ") + (Deployment is null ? "" : $"deployment={Deployment} ") + $"prompt_tokens={PromptTokens} " +
        $"completion_tokens={CompletionTokens} tokens_per_second={TokensPerSecond:F1} finish={FinishReason ?? "-"}" +
        (Rejection is null ? "" : $" rejected={Rejection}") + $" request_id={RequestId}" + (Trace is null ? "" : $" trace={Trace}");
}
