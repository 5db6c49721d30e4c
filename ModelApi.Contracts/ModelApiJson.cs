using System.Text.Json;
using System.Text.Json.Serialization;

namespace CustomGpt.ModelApi.Contracts;

/// <summary>The JSON conventions of the API: snake_case names, nulls omitted, numbers strictly numbers.</summary>
public static class ModelApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    /// <summary>Applies the API's conventions to an options instance (ASP.NET's, or a client's).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.PropertyNameCaseInsensitive = false;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.NumberHandling = JsonNumberHandling.Strict;
        return options;
    }
}
