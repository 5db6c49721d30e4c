using System.Reflection;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The Dashboard as a real process: `dotnet Dashboard.dll` from its build output, Production environment.</summary>
public sealed class DashboardProcess(Uri apiAddress, string? apiKey = null, params (string Key, string Value)[] env)
    : ServerProcess(Path.Combine(Folder, "Dashboard.dll"), Folder,
        [("GPT_API_URL", apiAddress.ToString()), .. apiKey is null ? Array.Empty<(string, string)>() : [("GPT_API_KEY", apiKey)], .. env])
{
    public static string Folder => Metadata("DashboardDirectory");

    static string Metadata(string key) =>
        typeof(DashboardProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
