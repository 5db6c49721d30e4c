using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>A small ASP.NET Core app on 127.0.0.1 that answers the way a test needs (a redirect, a problem ModelApi
/// sends only under conditions slow to set up): real HTTP, so the client's whole path runs.</summary>
static class StubApi
{
    public static async Task<WebApplication> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }
}
