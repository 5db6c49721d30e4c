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
            if (logEntry.State is AccessLogEntry entry) WriteRequest(json, entry);
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
        if (e.Trace is not null) json.WriteString("logging.googleapis.com/trace", e.Trace);
        json.WriteString("request_id", e.RequestId);
        json.WriteString("route", e.Route);
        if (e.Caller is not null) json.WriteString("key", e.Caller);
        json.WriteNumber("prompt_tokens", e.PromptTokens);
        json.WriteNumber("completion_tokens", e.CompletionTokens);
        json.WriteNumber("tokens_per_second", e.TokensPerSecond);
        if (e.FinishReason is not null) json.WriteString("finish_reason", e.FinishReason);
        if (e.Rejection is not null) json.WriteString("rejected", e.Rejection);
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
