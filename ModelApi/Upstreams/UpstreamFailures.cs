using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Models;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// Which upstream failures move on to the next deployment (connection errors, timeouts, 5xx, 408 and 429, as LiteLLM
/// retries them), and the problem the caller gets when nothing answered: 502 upstream_failed, 504 upstream_timeout, or
/// the upstream's own 4xx with its message. Nothing here names a key: the deployment's key is cut out of anything an
/// upstream says before it goes further.
/// </summary>
static class UpstreamFailures
{
    public static bool IsRetryable(Outcome<HttpResponseMessage> outcome, CancellationToken cancellation) =>
        !cancellation.IsCancellationRequested
        && (outcome.Exception is { } e
            ? e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or IOException
            : IsRetryable(outcome.Result!));

    static bool IsRetryable(HttpResponseMessage response) => (int)response.StatusCode is >= 500 or 408 or 429;

    /// <summary>A call that ended without a usable answer, as the answer to give (disposing the call): its problem, and
    /// whether the model's fallbacks may try (nothing answered, or an answer a next deployment would have been tried
    /// for); null when the answer is a success.</summary>
    public static async Task<ModelAnswer?> FailedAsync(UpstreamCall call, CancellationToken ct)
    {
        if (await ProblemAsync(call, ct) is not { } problem) return null;
        var fallsBack = call.Response is null || IsRetryable(call.Response);
        call.Dispose();
        return new ModelAnswer(problem, fallsBack);
    }

    /// <summary>A short reason for the log: the status, or the kind of failure (never a header or the key).</summary>
    public static string Reason(Outcome<HttpResponseMessage> outcome, UpstreamDeployment deployment) => outcome.Exception switch
    {
        null => $"HTTP {(int)outcome.Result!.StatusCode}",
        TimeoutRejectedException => $"no answer within {deployment.Timeout.TotalSeconds:0.###} s",
        BrokenCircuitException => "cooling down",
        var e => Redact($"{e.GetType().Name}: {e.Message}", deployment),
    };

    public static string Outcome(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        null when outcome.Result!.IsSuccessStatusCode => "ok",
        null when !IsRetryable(outcome, default) => "refused",
        TimeoutRejectedException => "timeout",
        BrokenCircuitException => "cooldown",
        _ => "failed",
    };

    /// <summary>The problem for a call that ended without a usable answer, or null when the answer is a success.</summary>
    static async Task<IResult?> ProblemAsync(UpstreamCall call, CancellationToken ct)
    {
        var model = call.Model;
        switch (call.Exception)
        {
            case TimeoutRejectedException:
                return CodedProblem.Of(StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout, "The model did not answer in time.",
                    $"The model '{model}' did not answer within its timeout ({Tries(call)}).");
            case NoDeploymentException e when e.RateLimited:
                return CodedProblem.Of(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests for this model.",
                    $"Every deployment of the model '{model}' has used its rpm for this minute; retry in the next minute.");
            case NoDeploymentException:
                return CodedProblem.Of(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamFailed, "The model is unavailable.",
                    $"Every deployment of the model '{model}' is out of rotation after failing; retry in a few seconds (GET /health says until when).");
            case not null:
                return CodedProblem.Of(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamFailed, "The model could not be reached.",
                    $"The model '{model}' could not be reached ({Tries(call)}).");
        }
        var response = call.Response!;
        if (response.IsSuccessStatusCode) return null;
        var status = (int)response.StatusCode;
        var message = await MessageAsync(response, call.Deployment!, ct);
        if (response.StatusCode == HttpStatusCode.RequestTimeout)
            return CodedProblem.Of(StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout, "The model did not answer in time.",
                $"The model '{model}' did not answer in time ({Tries(call)}): {message}");
        if (status >= 500)
            return CodedProblem.Of(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamFailed, "The model failed.",
                $"The model '{model}' failed ({Tries(call)}; the last answered {status}): {message}");
        // A 4xx: the upstream's own answer about this request, passed on with its status.
        return CodedProblem.Of(status, ProblemCodes.UpstreamError, ReasonPhrase(status), $"The model '{model}' refused the request: {message}");
    }

    static string Tries(UpstreamCall call) => call.Attempts == 1 ? "1 attempt" : $"{call.Attempts} attempts";

    static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } p ? p : "Upstream error";

    /// <summary>The upstream's message: OpenAI's error.message, a problem's detail or title, or the start of its text.</summary>
    static async Task<string> MessageAsync(HttpResponseMessage response, UpstreamDeployment deployment, CancellationToken ct)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "(its answer could not be read)";
        }
        string? message = null;
        try
        {
            if (JsonNode.Parse(text) is JsonObject o)
                message = (o["error"] as JsonObject)?["message"]?.ToString() ?? (o["error"] as JsonValue)?.ToString()
                    ?? o["detail"]?.ToString() ?? o["message"]?.ToString() ?? o["title"]?.ToString();
        }
        catch (JsonException)
        {
            // not JSON: its text below
        }
        message ??= text.Length == 0 ? response.ReasonPhrase ?? "no message" : text;
        if (message.Length > 500) message = message[..500] + "…";
        return Redact(message, deployment);
    }

    /// <summary>Upstreams sometimes quote the key they were sent (in part or whole): it goes no further.</summary>
    public static string Redact(string text, UpstreamDeployment deployment) =>
        deployment.ApiKey is { Length: > 0 } key ? text.Replace(key, "***", StringComparison.Ordinal) : text;
}

/// <summary>No deployment of the model can take a call now: all cooling down, or all at their rpm.</summary>
sealed class NoDeploymentException(string model, bool rateLimited)
    : Exception(rateLimited ? $"Every deployment of '{model}' is at its rpm." : $"Every deployment of '{model}' is cooling down.")
{
    public bool RateLimited { get; } = rateLimited;
}
