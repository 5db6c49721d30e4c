using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>Light and dark: the page follows the system setting until the reader picks one with the toggle, which is remembered.</summary>
[Collection(BrowserCollection.Name)]
public partial class ThemeTests(Browser browser)
{
    static readonly Uri NoApi = new("http://127.0.0.1:9/"); // the theme needs no ModelApi

    [Fact]
    public async Task The_page_follows_a_dark_system_setting()
    {
        using var dashboard = new DashboardProcess(NoApi);
        var page = await browser.OpenAsync(dashboard.Address, colorScheme: ColorScheme.Dark);

        await Expect(page.Locator("[data-theme]")).ToHaveAttributeAsync("data-theme", "dark");
        Assert.True(await BackgroundLightnessAsync(page) < 0.3, "the page's background should be dark");
        await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to light mode");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_toggle_switches_to_dark_and_back_and_a_reload_keeps_the_choice_from_the_first_paint()
    {
        using var dashboard = new DashboardProcess(NoApi);
        var page = await browser.OpenAsync(dashboard.Address); // a light system
        await Expect(page.Locator("[data-theme]")).ToHaveAttributeAsync("data-theme", "light");
        Assert.True(await BackgroundLightnessAsync(page) > 0.7, "the page's background should be light");

        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark mode" }).ClickAsync();
        await Expect(page.Locator("[data-theme]")).ToHaveAttributeAsync("data-theme", "dark");
        Assert.True(await BackgroundLightnessAsync(page) < 0.3, "the page's background should be dark");

        // The server renders the remembered choice: dark before the circuit is up, in a light system.
        using (var http = new HttpClient { BaseAddress = dashboard.Address })
        {
            var cookie = await RememberedAsync(page, "dark");
            http.DefaultRequestHeaders.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            Assert.Contains("data-theme=\"dark\"", await http.GetStringAsync("/"));
        }
        await page.ReloadAsync();
        await page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-theme]")).ToHaveAttributeAsync("data-theme", "dark");

        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light mode" }).ClickAsync();
        await RememberedAsync(page, "light"); // the page re-renders before the cookie is written: reload only after it
        await page.ReloadAsync();
        await page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-theme]")).ToHaveAttributeAsync("data-theme", "light");
        await page.Context.CloseAsync();
    }

    /// <summary>The theme cookie once it holds <paramref name="choice"/>: the toggle writes it after the page has re-rendered.</summary>
    static async Task<BrowserContextCookiesResult> RememberedAsync(IPage page, string choice)
    {
        for (var i = 0; i < 200; i++) // a hang guard, not a timing goal
        {
            if ((await page.Context.CookiesAsync()).SingleOrDefault(c => c.Name == "customgpt.theme") is { } cookie && cookie.Value == choice) return cookie;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"The theme cookie never said '{choice}'.");
    }

    /// <summary>The lightness (0 black to 1 white) of the page's background as the browser paints it.</summary>
    static async Task<double> BackgroundLightnessAsync(IPage page)
    {
        var color = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
        var rgb = Rgb().Matches(color).Take(3).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture) / 255).ToArray();
        Assert.True(rgb.Length == 3, $"not a colour: {color}");
        return (rgb.Max() + rgb.Min()) / 2;
    }

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex Rgb();
}
