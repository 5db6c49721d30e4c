using Microsoft.Playwright;

namespace CustomGpt.Dashboard.Tests;

/// <summary>Debian's Chromium driven by Playwright (its own browser download is never used).</summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    IPlaywright? playwright;

    public IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Every browser test shares this browser: one hang guard for all their Expect calls on a busy machine.
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(60_000);
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install -y chromium");
        playwright = await Playwright.CreateAsync();
        Chromium = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh page (own context: own circuit, own clipboard permission), at a laptop size unless told.</summary>
    public async Task<IPage> OpenAsync(Uri address, int width = 1280, int height = 900, ColorScheme colorScheme = ColorScheme.Light)
    {
        var page = await NewPageAsync(address, width, height, colorScheme);
        await page.GotoAsync(address.ToString());
        // Clicks before the interactive circuit is up are lost: wait for the page to say it is live.
        await page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
        return page;
    }

    /// <summary>A blank page in a fresh context (own cookies, own circuit), allowed to use the clipboard of <paramref name="address"/>.</summary>
    /// <remarks><paramref name="colorScheme"/> is the system's light/dark setting the page sees.</remarks>
    public async Task<IPage> NewPageAsync(Uri address, int width = 1280, int height = 900, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await Chromium.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, ColorScheme = colorScheme });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = address.GetLeftPart(UriPartial.Authority) });
        context.SetDefaultTimeout(60_000); // a hang guard for a busy machine, not a timing assertion
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null) await Chromium.DisposeAsync();
        playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browser>
{
    public const string Name = "browser";
}
