using System.Reflection;
using System.Text.Json;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Apis;

/// <summary>
/// Reads a JSON request body ourselves so every failure names its field:
/// wrong content type (415), malformed JSON or a wrong type (400 problem details).
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                title: "Unsupported content type",
                detail: $"Send the body as JSON with 'Content-Type: application/json' (got '{request.ContentType ?? "none"}').",
                statusCode: StatusCodes.Status415UnsupportedMediaType));
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, ModelApiJson.Options, request.HttpContext.RequestAborted);
            return value is null
                ? (null, Invalid("body", "The body must be a JSON object."))
                : (value, null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel stops reading at MAX_BODY_BYTES; say so instead of letting it become a 500.
            return (null, CodedProblem.Of(StatusCodes.Status413PayloadTooLarge, ProblemCodes.BodyTooLarge, "The body is too large.",
                $"Request bodies may be at most {request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes (MAX_BODY_BYTES)."));
        }
        catch (JsonException e)
        {
            var field = FieldOf(e.Path);
            var expected = ExpectedType<T>(field);
            var message = expected is null
                ? $"The body is not valid JSON: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}"
                : $"'{field}' must be {expected}.";
            return (null, Invalid(expected is null ? "body" : field, message));
        }
    }

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid.");

    static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var cut = field.IndexOfAny(['.', '[']);
        return cut > 0 ? field[..cut] : field;
    }

    static string? ExpectedType<T>(string field)
    {
        var property = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == field);
        if (property is null) return null;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) => "a number",
            _ when typeof(IEnumerable<string>).IsAssignableFrom(type) => "an array of strings",
            _ => "a value of type " + type.Name,
        };
    }
}
