using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace CustomGpt.Dashboard.Hosting;

/// <summary>Data protection (sign-in cookie, antiforgery, Blazor's circuit descriptors): one key from DASHBOARD_SECRET, or the default per-instance keys.</summary>
public static class SharedDataProtection
{
    /// <summary>The same application name on every instance: it is part of what each protector's purpose is derived from.</summary>
    public const string ApplicationName = "CustomGpt.Dashboard";

    public static IServiceCollection AddDashboardDataProtection(this IServiceCollection services, DashboardSecret? secret)
    {
        var builder = services.AddDataProtection().SetApplicationName(ApplicationName);
        if (secret is null) return services; // keys made and kept in this process's home folder, as ASP.NET Core does by default
        builder.DisableAutomaticKeyGeneration(); // a key made here would be unknown to the other instances
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new SecretKeyRing(secret));
        return services;
    }

    /// <summary>Says at start which it is: without DASHBOARD_SECRET several instances cannot share sign-ins or pages.</summary>
    public static void LogDataProtection(this WebApplication app, DashboardSecret? secret)
    {
        if (secret is not null)
            app.Logger.LogInformation("Data protection: the key derived from {Variable}; every instance with the same secret accepts this one's sign-ins and pages.", DashboardSecret.Variable);
        else
            app.Logger.LogWarning("{Variable} is not set: sign-ins and pages are protected with keys of this instance only (kept in its home folder). " +
                "That is fine for one instance; several instances behind one address (Fly's `fly deploy` makes two machines) " +
                "need the same secret on each: {HowToSet}", DashboardSecret.Variable, DashboardSecret.HowToSet);
    }
}
