namespace CustomGpt.ModelApi.Gateway;

/// <summary>The address a per-client limit counts against: the connection's, which ForwardedClients
/// (ServiceDefaults/ForwardedTrust.cs) has already set to the client behind the trusted proxies.</summary>
static class ClientAddress
{
    public static string Of(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
