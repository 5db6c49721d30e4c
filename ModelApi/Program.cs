using CustomGpt.ModelApi.Apis;
using CustomGpt.ModelApi.Apis.OpenAi;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;
using CustomGpt.ModelApi.Telemetry;
using CustomGpt.ModelApi.Training;
using CustomGpt.ModelApi.Upstreams;
using CustomGpt.ServiceDefaults;
using Scalar.AspNetCore;

// Content root is the app folder, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
ModelApiSettings settings;
IReadOnlyList<ModelMemoryEstimate> memory;
TrainingSettings training;
try
{
    settings = ModelApiSettings.FromConfiguration(builder.Configuration);
    training = TrainingSettings.FromConfiguration(builder.Configuration, settings);
    // What cannot fit in the container's memory is refused now, not killed by the OOM killer while loading.
    memory = ModelMemory.EnsureFits(settings, settings.MemoryLimitBytes ?? ModelMemory.ContainerLimit());
}
catch (InvalidSettingsException e)
{
    // Exit code 2: a setting is wrong (the message names it), as opposed to a crash.
    Console.Error.WriteLine(e.Message);
    return 2;
}

// PORT and HOST, unless the host was given explicit URLs (--urls, ASPNETCORE_URLS).
if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
    builder.WebHost.UseUrls($"http://{settings.Host}:{settings.Port}");

builder.Services.AddModelHost(settings);
builder.Services.AddUpstreams(settings.Models?.Upstreams ?? [], settings.Models?.Router ?? RouterSettings.Default);
builder.AddGateway(settings);
builder.Services.AddTraining(training);
builder.AddModelApiTelemetry();
builder.Services.ConfigureHttpJsonOptions(o => ModelApiJson.Configure(o.SerializerOptions));
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();
builder.Services.AddCors();

var app = builder.Build();
foreach (var warning in settings.Models?.Warnings ?? []) app.Logger.LogWarning("{Warning}", warning);
foreach (var estimate in memory) app.Logger.LogInformation("Memory estimate for {Estimate}", estimate);

app.UseForwardedClients(settings.Forwarded); // first: the access log and the limits see the client behind trusted proxies
app.UseAccessLog();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCorsOrigins(settings.CorsOrigins);
app.UseGatewayAuthentication();

app.MapHealthApi();
app.MapGenerateApi();
app.MapChatApi();
app.MapTokenizeApi();
app.MapMetricsApi();
app.MapOpenAiApi();
app.MapKeyApi();
app.MapFilesApi();
app.MapFineTuningApi();
app.MapOpenApi(); // /openapi/v1.json
// The reference page reads that document; off by default, and under the fallback policy like every other route.
if (settings.ApiReference) app.MapScalarApiReference(); // /scalar

app.Run();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
