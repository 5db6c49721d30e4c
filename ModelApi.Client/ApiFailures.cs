using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Refit;

namespace CustomGpt.ModelApi.Client;

/// <summary>Turns Refit's <see cref="ApiException"/> (an error response) and <see cref="ApiRequestException"/>
/// (no response) into <see cref="ApiFailure"/>s in words, naming the key's source where the key is at fault.</summary>
static class ApiFailures
{
    /// <summary>An error response: its problem details (RFC 9457) or health body, Retry-After and RateLimit-Limit.</summary>
    public static ApiFailure FromResponse(ApiException e, CallKey key)
    {
        var status = (int)e.StatusCode;
        var retryAfter = RetryAfter(e.Headers);
        var limit = Limit(e.Headers);
        var body = Parse(e.Content);
        var title = body.Str("title");
        var detail = body.Str("detail");
        var problemCode = body.Str("code");
        ApiFailure Make(ApiFailureKind kind, string message) => new(kind, message) { StatusCode = status, RetryAfter = retryAfter, Code = problemCode, Limit = limit };

        switch (e.StatusCode)
        {
            case HttpStatusCode.Forbidden when problemCode == ProblemCodes.MasterKeyRequired:
                return Make(ApiFailureKind.Unauthorized, "Only the master key (MASTER_KEY) may manage keys.");
            case HttpStatusCode.Forbidden when problemCode == ProblemCodes.ModelNotAllowed:
                return Make(ApiFailureKind.ModelNotAllowed, $"{Capital(key.Who)} may not use this model: {detail ?? "its models list does not name it."}");
            case HttpStatusCode.NotFound when problemCode == ProblemCodes.ModelNotFound:
                return Make(ApiFailureKind.ModelNotFound, $"The API serves no model of that name (pick one it lists): {detail ?? title ?? "model not found."}");
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                return Make(ApiFailureKind.Unauthorized, Refused(key, problemCode));
            case HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.UnprocessableEntity:
                var errors = Errors(body);
                var (field, first) = errors.Count > 0 ? (errors.Keys.First(), errors.Values.First().FirstOrDefault()) : (null, null);
                return Make(ApiFailureKind.Rejected, first ?? detail ?? title ?? "The API refused the request.") with { Field = field, Errors = errors };
            case HttpStatusCode.TooManyRequests when problemCode == ProblemCodes.RateLimited:
                return Make(ApiFailureKind.RateLimited, $"Too many requests for {key.Who}" +
                    (limit is { } requests ? $" (at most {requests} a minute)" : "") + RetryIn(retryAfter));
            case HttpStatusCode.TooManyRequests when problemCode == ProblemCodes.TooManyFailedKeys:
                return Make(ApiFailureKind.RateLimited, $"Too many wrong keys came from this address, so {key.Who} is refused too" + RetryIn(retryAfter));
            case HttpStatusCode.TooManyRequests when problemCode == ProblemCodes.TpmExceeded:
                return Make(ApiFailureKind.TpmExceeded, $"{Capital(key.Who)} has used its tokens for this minute" +
                    (limit is { } tokens ? $" (tpm_limit {tokens})" : " (tpm_limit)") + RetryIn(retryAfter));
            case HttpStatusCode.TooManyRequests when problemCode == ProblemCodes.BudgetExceeded:
                return Make(ApiFailureKind.BudgetExceeded, $"{Capital(key.Who)} has spent its token budget" +
                    (limit is { } budget ? $" of {budget} tokens" : "") + "; retrying will not help until the operator raises it (POST /key/update, or the Keys page).");
            case HttpStatusCode.TooManyRequests:
                return Make(ApiFailureKind.Busy, Busy(retryAfter));
            case HttpStatusCode.ServiceUnavailable:
                // /health says {"status": "loading"|"error"} (with a code when the database is out); the other routes answer with problem details.
                var state = body.Str("status");
                if (problemCode == ProblemCodes.DatabaseUnavailable)
                    return Make(ApiFailureKind.DatabaseUnavailable, "The API's key database is unavailable, so no key can be checked: " +
                        (body.Str("error") ?? detail ?? "no reason given").TrimEnd('.') + RetryIn(retryAfter));
                if (state == HealthStatus.Loading || problemCode == ProblemCodes.Loading)
                    return Make(ApiFailureKind.Loading, "The model is still loading (warming up); try again in a few seconds.");
                if (state == HealthStatus.Error || problemCode == ProblemCodes.ModelFailed)
                    return Make(ApiFailureKind.ModelFailed, "The model could not be loaded: " + (body.Str("error") ?? detail ?? "no reason given") + ".");
                return Make(ApiFailureKind.Busy, Busy(retryAfter));
            case >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest:
                return Make(ApiFailureKind.Unexpected,
                    $"The API answered with a redirect ({status}) to {e.Headers.Location?.GetLeftPart(UriPartial.Path) ?? "nowhere"}; redirects are not followed (they would carry the key): set {ModelApiClientOptions.UrlVariable} to the final address.");
            case >= HttpStatusCode.InternalServerError:
                return Make(ApiFailureKind.ServerError, $"The API failed ({status}): {detail ?? title ?? e.ReasonPhrase ?? "no reason given"}.");
            default:
                return Make(ApiFailureKind.Unexpected, $"Unexpected answer {status} {e.ReasonPhrase} from {e.RequestMessage?.RequestUri}: is this the ModelApi address?");
        }
    }

    /// <summary>No response: the connection problem, in words.</summary>
    public static ApiFailure FromRequestError(Exception e, Uri address)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException http) return FromException(http, address);
            if (inner is IOException io) return FromException(new HttpRequestException(HttpRequestError.ResponseEnded, io.Message, io), address);
        }
        return FromException(new HttpRequestException(e.Message, e), address);
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

    /// <summary>401 (or a 403 that is not about a route): which key, and why when the API said.</summary>
    static string Refused(CallKey key, string? code)
    {
        if (key.Source == KeySource.None) return $"The API needs a key: set {ModelApiClientOptions.KeyVariable}.";
        var why = code switch
        {
            ProblemCodes.KeyBlocked => " (it is blocked)",
            ProblemCodes.KeyExpired => " (it has expired)",
            ProblemCodes.KeyUnknown => " (unknown to the API: mistyped, or deleted)",
            _ => "",
        };
        return key.Source switch
        {
            KeySource.Configured => $"The API key was not accepted{why}: check {ModelApiClientOptions.KeyVariable}.",
            KeySource.SignedIn => $"The key you signed in with was not accepted{why}: sign in again with a key that works.",
            _ => $"This key was not accepted{why}.",
        };
    }

    static string Busy(TimeSpan? retryAfter) =>
        "The API is busy: every sequence is generating and the queue is full" + RetryIn(retryAfter);

    static string RetryIn(TimeSpan? retryAfter) =>
        retryAfter is { } r ? $"; retry in {Math.Ceiling(r.TotalSeconds):0} s." : "; retry shortly.";

    static string Capital(string words) => char.ToUpperInvariant(words[0]) + words[1..];

    static TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        var header = headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    /// <summary>RateLimit-Limit (the IETF draft's name, which ModelApi sends with every limited answer).</summary>
    static long? Limit(HttpResponseHeaders headers) =>
        headers.TryGetValues("RateLimit-Limit", out var values) &&
        long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : null;

    static SocketError? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SocketException s) return s.SocketErrorCode;
        return null;
    }

    static JsonElement Parse(string? content)
    {
        if (string.IsNullOrEmpty(content)) return default;
        try
        {
            using var doc = JsonDocument.Parse(content);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
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
