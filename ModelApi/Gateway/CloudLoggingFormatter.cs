using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// LOG_FORMAT=json: one JSON object per line in the shape Cloud Logging reads from a container's
/// stdout (severity, message, httpRequest, logging.googleapis.com/trace), so Cloud Run turns each
/// line into a structured entry with its request and trace.
/// </summary>
public sealed class CloudLoggingFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "cloud";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (logEntry.Exception is { } e) message += "\n" + e;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("severity", Severity(logEntry.LogLevel));
            json.WriteString("message", message);
            json.WriteString("time", DateTimeOffset.UtcNow);
            json.WriteString("logger", logEntry.Category);
            var entry = logEntry.State as AccessLogEntry;
            if (entry is not null) WriteRequest(json, entry);
            WriteTrace(json, entry?.Trace);
            json.WriteEndObject();
        }
        textWriter.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        textWriter.Write('\n');
    }

    static void WriteRequest(Utf8JsonWriter json, AccessLogEntry e)
    {
        json.WriteStartObject("httpRequest");
        json.WriteString("requestMethod", e.Method);
        json.WriteString("requestUrl", e.Path);
        json.WriteNumber("status", e.Status);
        json.WriteString("latency", $"{e.Latency.TotalSeconds:0.000000}s");
        json.WriteString("userAgent", e.UserAgent);
        if (e.RemoteIp is not null) json.WriteString("remoteIp", e.RemoteIp);
        json.WriteEndObject();
        json.WriteString("request_id", e.RequestId);
        json.WriteString("route", e.Route);
        if (e.Caller is not null) json.WriteString("key", e.Caller);
        if (e.Model is not null) json.WriteString("model", e.Model);
        if (e.Deployment is not null) json.WriteString("deployment", e.Deployment);
        json.WriteNumber("prompt_tokens", e.PromptTokens);
        json.WriteNumber("completion_tokens", e.CompletionTokens);
        json.WriteNumber("tokens_per_second", e.TokensPerSecond);
        if (e.FinishReason is not null) json.WriteString("finish_reason", e.FinishReason);
        if (e.Rejection is not null) json.WriteString("rejected", e.Rejection);
    }

    static readonly string? Project = Environment.GetEnvironmentVariable("GOOGLE_CLOUD_PROJECT")?.Trim() is { Length: > 0 } p ? p : null;

    /// <summary>The trace and span of the request being logged (its W3C traceparent, or one ASP.NET Core started), so Cloud
    /// Logging links the line to its trace in Cloud Trace. An access line whose request came with X-Cloud-Trace-Context
    /// names that trace, as Cloud Run's own request log does.</summary>
    static void WriteTrace(Utf8JsonWriter json, string? cloudTrace)
    {
        if (cloudTrace is not null) json.WriteString("logging.googleapis.com/trace", cloudTrace);
        else if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } span)
        {
            var trace = span.TraceId.ToHexString();
            json.WriteString("logging.googleapis.com/trace", Project is null ? trace : $"projects/{Project}/traces/{trace}");
            json.WriteString("logging.googleapis.com/spanId", span.SpanId.ToHexString());
            json.WriteBoolean("logging.googleapis.com/trace_sampled", span.Recorded);
        }
    }

    static string Severity(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "DEFAULT",
    };
}
