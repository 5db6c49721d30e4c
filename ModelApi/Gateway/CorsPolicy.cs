namespace CustomGpt.ModelApi.Gateway;

public static class CorsPolicy
{
    /// <summary>
    /// CORS_ORIGINS (comma-separated, or "*") lets browser pages on those origins call the API.
    /// Runs before the key check so preflight requests, which carry no key, get their answer.
    /// </summary>
    public static WebApplication UseCorsOrigins(this WebApplication app, IReadOnlyList<string> origins)
    {
        if (origins.Count == 0) return app;
        app.UseCors(policy =>
        {
            if (origins.Contains("*")) policy.AllowAnyOrigin();
            else policy.WithOrigins([.. origins]);
            policy.WithMethods("GET", "POST")
                .WithHeaders("Content-Type", "Accept", "Authorization", ApiKeyCheck.HeaderName)
                .WithExposedHeaders("Retry-After")
                .SetPreflightMaxAge(TimeSpan.FromHours(1));
        });
        return app;
    }
}
