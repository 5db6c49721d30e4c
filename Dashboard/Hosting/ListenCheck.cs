using System.Net;

namespace CustomGpt.Dashboard.Hosting;

/// <summary>
/// A Dashboard holding a ModelApi key (GPT_API_KEY or GPT_MASTER_KEY) lends it to everyone who reaches
/// it. On loopback that is the operator alone; on any other address it must be locked with
/// DASHBOARD_PASSWORD, or DASHBOARD_PUBLIC=true must say the operator means it.
/// </summary>
public static class ListenCheck
{
    /// <summary>Why the Dashboard must not start with these settings on these addresses, or null.</summary>
    public static string? Refusal(DashboardSettings settings, IEnumerable<string> urls)
    {
        if (!settings.HoldsKey || settings.Password is not null || settings.Public) return null;
        var open = urls.Where(url => !IsLoopback(url)).ToList();
        if (open.Count == 0) return null;
        const string held = "GPT_API_KEY or GPT_MASTER_KEY";
        return $"Refusing to listen on {string.Join(", ", open)}: the Dashboard holds {held}, so anyone who reaches that address " +
               "would use the key. Set DASHBOARD_PASSWORD to make people sign in, set DASHBOARD_PUBLIC=true if that is what you mean, " +
               $"or leave {held} unset so that each person signs in with their own ModelApi key. On HOST=127.0.0.1 nothing is needed.";
    }

    /// <summary>"http://127.0.0.1:5000", "http://localhost:5000" and "http://[::1]:5000" are loopback; "*", "+", "0.0.0.0" and other hosts are not.</summary>
    static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2)[^1].Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
