using System.Security.Cryptography;

namespace CustomGpt.Dashboard.BlazorScript;

/// <summary>Serves blazor.web.js, embedded at build time by BlazorScript.targets.</summary>
public static class BlazorScriptEndpoint
{
    public const string Path = "/_framework/blazor.web.js";

    static readonly Lazy<(byte[] Bytes, string ETag)> Script = new(() =>
    {
        using var stream = typeof(BlazorScriptEndpoint).Assembly.GetManifestResourceStream("blazor.web.js")
            ?? throw new InvalidOperationException("blazor.web.js is not embedded: see Dashboard/BlazorScript/BlazorScript.targets.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        return (bytes, $"\"{Convert.ToHexString(SHA256.HashData(bytes))[..16]}\"");
    });

    public static IEndpointRouteBuilder MapBlazorScript(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext http) =>
        {
            var (bytes, etag) = Script.Value;
            http.Response.Headers.ETag = etag;
            http.Response.Headers.CacheControl = "no-cache";
            if (http.Request.Headers.IfNoneMatch == etag) return Results.StatusCode(StatusCodes.Status304NotModified);
            return Results.Bytes(bytes, "text/javascript");
        }).ExcludeFromDescription();
        return app;
    }
}
