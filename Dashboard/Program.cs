using CustomGpt.Dashboard.Components;
using CustomGpt.Dashboard.Components.Models;
using CustomGpt.Dashboard.Hosting;
using CustomGpt.Dashboard.SignIn;
using CustomGpt.Dashboard.Telemetry;
using CustomGpt.ModelApi.Client;
using CustomGpt.ServiceDefaults;
using MudBlazor.Services;

// Content root = the app's folder, not the working directory: wwwroot is found wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
DashboardSettings settings;
DashboardSecret? secret;
int? metricsPort;
try
{
    settings = DashboardSettings.FromConfiguration(builder.Configuration);
    secret = DashboardSecret.FromConfiguration(builder.Configuration);
    metricsPort = MetricsPort.FromConfiguration(builder.Configuration, settings.Port);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message); // names the setting, never a secret's value
    return 2;
}

// PORT and HOST, unless the host was given explicit URLs (--urls, ASPNETCORE_URLS).
var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } given ? given.Split(';') : [$"http://{settings.Host}:{settings.Port}"];
// METRICS_PORT: a listener of its own for the Prometheus scraper (Telemetry/MetricsPort.cs).
if (metricsPort is { } scrape) urls = [.. urls, MetricsPort.Url(settings.Host, scrape)];
builder.WebHost.UseUrls(urls);
// Serves MudBlazor's _content/ and the framework's _framework/ files from the build output in any environment (a no-op after publish).
builder.WebHost.UseStaticWebAssets();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();
builder.Services.AddModelApiClient(settings.Api);
builder.Services.AddDashboardSignIn(settings);
builder.Services.AddScoped<ModelChoice>(); // the model picker's remembered pick
builder.Services.AddDashboardDataProtection(secret);
builder.Services.AddListenCheck(settings); // refuses unlocked public addresses once Kestrel has bound them
builder.AddDashboardTelemetry(metricsPort);

var app = builder.Build();
app.LogDataProtection(secret);
// Before anything else: the metrics port serves /metrics alone, and the Dashboard's own port never does.
app.UseMetricsPort(metricsPort);

// First: everything after sees the visitor's address and scheme as the trusted proxies reported them.
app.UseForwardedClients(settings.Forwarded);
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseHsts(); // on https answers only (not for localhost): browsers then never try plain http again
}
app.UseDashboardSignIn();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapDashboardHealth();
app.MapSignOut();
// The page starts its circuit with one WebSocket request (wwwroot/blazor-start.js): it stays on the instance that took it.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

try
{
    app.Run();
}
catch (ListenRefusedException refused)
{
    Console.Error.WriteLine(refused.Message);
    return 2;
}
return 0;

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
