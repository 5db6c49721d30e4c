using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace CustomGpt.ModelApi.Client;

/// <summary>Turns error responses and transport exceptions into <see cref="ApiFailure"/>s.</summary>
static class ApiFailures
{
    /// <summary>A non-success response: reads its problem details (RFC 9457) or health body.</summary>
    public static async Task<ApiFailure> FromResponseAsync(HttpResponseMessage response, bool hasApiKey, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfter(response);
        var body = await ReadBodyAsync(response, ct);
        var title = body.Str("title");
        var detail = body.Str("detail");
        var problemCode = body.Str("code");
        ApiFailure Make(ApiFailureKind kind, string message) => new(kind, message) { StatusCode = status, RetryAfter = retryAfter, Code = problemCode };

        switch (response.StatusCode)
        {
            case HttpStatusCode.Forbidden when problemCode == ProblemCodes.MasterKeyRequired:
                return Make(ApiFailureKind.Unauthorized, "Only the master key (MASTER_KEY) may manage keys.");
            case HttpStatusCode.Forbidden when problemCode == ProblemCodes.ModelNotAllowed:
                return Make(ApiFailureKind.Unauthorized, detail ?? "This key may not use the model this API serves.");
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                return Make(ApiFailureKind.Unauthorized, hasApiKey
                    ? "The API key was not accepted: check GPT_API_KEY."
                    : "The API needs a key: set GPT_API_KEY.");
            case HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.UnprocessableEntity:
                var errors = Errors(body);
                var (field, first) = errors.Count > 0 ? (errors.Keys.First(), errors.Values.First().FirstOrDefault()) : (null, null);
                return Make(ApiFailureKind.Rejected, first ?? detail ?? title ?? "The API refused the request.") with { Field = field, Errors = errors };
            case HttpStatusCode.TooManyRequests:
                return Make(ApiFailureKind.Busy, Busy(retryAfter));
            case HttpStatusCode.ServiceUnavailable:
                // /health says {"status": "loading"|"error"}; the other routes answer with problem details.
                var state = body.Str("status");
                if (state == HealthStatus.Loading || problemCode == ProblemCodes.Loading)
                    return Make(ApiFailureKind.Loading, "The model is still loading (warming up); try again in a few seconds.");
                if (state == HealthStatus.Error || problemCode == ProblemCodes.ModelFailed)
                    return Make(ApiFailureKind.ModelFailed, "The model could not be loaded: " + (body.Str("error") ?? detail ?? "no reason given") + ".");
                return Make(ApiFailureKind.Busy, Busy(retryAfter));
            case >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest:
                return Make(ApiFailureKind.Unexpected,
                    $"The API answered with a redirect ({status}) to {response.Headers.Location?.GetLeftPart(UriPartial.Path) ?? "nowhere"}; redirects are not followed (they would carry the key): set GPT_API_URL to the final address.");
            case >= HttpStatusCode.InternalServerError:
                return Make(ApiFailureKind.ServerError, $"The API failed ({status}): {detail ?? title ?? response.ReasonPhrase ?? "no reason given"}.");
            default:
                return Make(ApiFailureKind.Unexpected, $"Unexpected answer {status} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri}: is this the ModelApi address?");
        }
    }

    /// <summary>A transport failure: which connection problem, in words.</summary>
    public static ApiFailure FromException(HttpRequestException e, Uri address)
    {
        var socket = FindSocketError(e);
        var where = $"{address.Host}:{address.Port}";
        var reason = socket switch
        {
            SocketError.ConnectionRefused => $"connection refused by {where} (is ModelApi running?)",
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"host '{address.Host}' not found",
            SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"no route to {where}",
            SocketError.ConnectionReset or SocketError.ConnectionAborted => $"connection to {where} was reset",
            SocketError.TimedOut => $"connecting to {where} timed out",
            _ => e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => $"host '{address.Host}' not found",
                HttpRequestError.SecureConnectionError => $"TLS handshake with {where} failed",
                HttpRequestError.ResponseEnded => $"{where} closed the connection before answering",
                HttpRequestError.InvalidResponse => $"{where} did not answer with HTTP",
                _ => $"could not talk to {where}",
            },
        };
        return new ApiFailure(ApiFailureKind.Unreachable, "Unreachable: " + reason + ".");
    }

    public static ApiFailure Timeout(TimeSpan after, Uri address) =>
        new(ApiFailureKind.Timeout, $"No answer from {address.Host}:{address.Port} within {after.TotalSeconds:0.#} s.");

    public static ApiFailure BadJson(Uri address) =>
        new(ApiFailureKind.Unexpected, $"The answer from {address} was not the JSON ModelApi sends: is this the ModelApi address?");

    static string Busy(TimeSpan? retryAfter) =>
        "The API is busy: every sequence is generating and the queue is full" +
        (retryAfter is { } r ? $"; retry in {r.TotalSeconds:0} s." : "; retry shortly.");

    static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    static SocketError? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SocketException s) return s.SocketErrorCode;
        return null;
    }

    static async Task<JsonElement> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or IOException)
        {
            return default;
        }
    }

    static string? Str(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    static Dictionary<string, string[]> Errors(JsonElement body)
    {
        var result = new Dictionary<string, string[]>();
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object) return result;
        foreach (var field in errors.EnumerateObject())
        {
            result[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                ? [.. field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!)]
                : field.Value.ValueKind == JsonValueKind.String ? [field.Value.GetString()!] : [];
        }
        return result;
    }
}
