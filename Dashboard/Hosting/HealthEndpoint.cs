namespace CustomGpt.Dashboard.Hosting;

public static class HealthEndpoint
{
    /// <summary>GET /health: the Dashboard itself is up (it does not ask ModelApi; the page does that).</summary>
    public static IEndpointRouteBuilder MapDashboardHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).ExcludeFromDescription();
        return app;
    }
}
