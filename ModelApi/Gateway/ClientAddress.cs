namespace CustomGpt.ModelApi.Gateway;

/// <summary>The address a per-client limit counts against.</summary>
static class ClientAddress
{
    /// <summary>The first X-Forwarded-For hop (the client as the platform's proxy saw it) when that proxy is trusted
    /// to set it; otherwise the connection's own address, since anyone can write the header.</summary>
    public static string Of(HttpContext http, bool trustForwardedFor)
    {
        if (trustForwardedFor && http.Request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwarded)
        {
            var first = forwarded.Split(',')[0].Trim();
            if (first.Length is > 0 and <= 64) return first;
        }
        return http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
