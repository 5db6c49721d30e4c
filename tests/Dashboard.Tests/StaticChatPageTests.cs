using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>web/chat.html served from one loopback origin, calling a real ModelApi on another with CORS.</summary>
[Collection(BrowserCollection.Name)]
public class StaticChatPageTests(Browser browser)
{
    [Fact]
    public async Task The_page_chats_across_origins_when_allowed_and_says_so_when_not()
    {
        await using var allowed = await StaticSite.StartAsync();
        await using var other = await StaticSite.StartAsync();
        using var api = await new ModelApiProcess(TestModels.Tiny, ("API_KEY", "k3y-long-enough-to-pass"), ("CORS_ORIGINS", allowed.Origin)).ReadyAsync();

        var page = await OpenAsync(allowed);
        await page.FillAsync("#api-url", api.Address.ToString());
        await page.FillAsync("#api-key", "k3y-long-enough-to-pass");
        await page.FillAsync("#max-tokens", "40"); // the tiny model's context is 512 tokens
        await page.Locator("#api-key").DispatchEventAsync("change");
        await page.Locator("#api-url").DispatchEventAsync("change");
        await SendAsync(page, "the fox");
        await Expect(page.Locator(".assistant .stats")).ToHaveCountAsync(1);
        await SendAsync(page, "THE END");
        await Expect(page.Locator("#send")).ToBeEnabledAsync();
        await Expect(page.Locator("#error")).ToBeEmptyAsync();
        await Expect(page.Locator(".assistant .stats")).ToHaveCountAsync(2); // the history went back and forth
        await Expect(page.Locator(".user")).ToHaveCountAsync(2);
        await Expect(page.Locator("#error")).ToBeEmptyAsync();

        // The address and key are remembered by this browser.
        await page.ReloadAsync();
        await Expect(page.Locator("#api-url")).ToHaveValueAsync(api.Address.ToString());

        var refused = await OpenAsync(other);
        await refused.FillAsync("#api-url", api.Address.ToString());
        await SendAsync(refused, "the fox");
        await Expect(refused.Locator("#error")).ToContainTextAsync("not allowed by CORS");
        await page.Context.CloseAsync();
        await refused.Context.CloseAsync();
    }

    async Task<IPage> OpenAsync(StaticSite site)
    {
        var context = await browser.Chromium.NewContextAsync();
        context.SetDefaultTimeout(60_000); // a hang guard for a busy machine, not a timing assertion
        var page = await context.NewPageAsync();
        await page.GotoAsync(site.Origin + "/chat.html");
        return page;
    }

    static async Task SendAsync(IPage page, string text)
    {
        await Expect(page.Locator("#send")).ToBeEnabledAsync(); // the previous reply has ended
        await page.FillAsync("#prompt", text);
        await page.PressAsync("#prompt", "Enter");
    }

    /// <summary>The static page on its own loopback origin, as a static host would serve it.</summary>
    sealed class StaticSite : IAsyncDisposable
    {
        readonly WebApplication app;

        StaticSite(WebApplication app, string origin) => (this.app, Origin) = (app, origin);

        public string Origin { get; }

        public static async Task<StaticSite> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var file = Path.Combine(Repository.Root, "web", "chat.html");
            app.MapGet("/chat.html", () => Results.File(file, "text/html"));
            await app.StartAsync();
            return new StaticSite(app, app.Urls.First().TrimEnd('/'));
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
