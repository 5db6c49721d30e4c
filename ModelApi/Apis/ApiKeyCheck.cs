using System.Security.Cryptography;
using System.Text;

namespace CustomGpt.ModelApi.Apis;

/// <summary>
/// With API_KEY set, every route but /health needs that key in X-API-Key or Authorization: Bearer.
/// Keys are compared as SHA-256 digests in constant time, so timing reveals neither content nor length.
/// </summary>
public static class ApiKeyCheck
{
    public const string HeaderName = "X-API-Key";

    public static IApplicationBuilder UseApiKey(this IApplicationBuilder app, string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey)) return app;
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));
        return app.Use(async (http, next) =>
        {
            if (http.Request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase) || IsValid(http.Request, expected))
            {
                await next(http);
                return;
            }
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await TypedResults.Problem(
                title: "Unauthorized",
                detail: $"Send the API key in the '{HeaderName}' header or as 'Authorization: Bearer <key>'.",
                statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(http);
        });
    }

    static bool IsValid(HttpRequest request, byte[] expected)
    {
        string? presented = request.Headers[HeaderName];
        if (string.IsNullOrEmpty(presented))
        {
            string? authorization = request.Headers.Authorization;
            if (authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true) presented = authorization[7..].Trim();
        }
        if (string.IsNullOrEmpty(presented)) return false;
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), expected);
    }
}
