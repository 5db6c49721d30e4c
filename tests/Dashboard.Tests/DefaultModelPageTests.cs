using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>A newcomer's first run: the repository's own model behind the page, as ./run.sh starts it.</summary>
[Collection(BrowserCollection.Name)]
public class DefaultModelPageTests(Browser browser)
{
    [Fact]
    public async Task The_default_model_writes_scripture_like_text_on_the_page()
    {
        var model = Repository.DefaultModel;
        using var api = await new ModelApiProcess(model).ReadyAsync();
        using var dashboard = new DashboardProcess(api.Address);
        var page = new CustomGptPage(await browser.OpenAsync(dashboard.Address));
        await page.TestConnectionAsync("ready");
        await Expect(page.ConnectionStatus).ToContainTextAsync("Ready: custom-gpt");

        await page.UseFixedSeedAsync(42);
        await page.SetNumberAsync("temperature", 0.8);
        await page.SetNumberAsync("num-chars", 200);
        var text = await page.GenerateAsync();

        Assert.Equal(200, CustomGptPage.CharCount(text));
        // Most words are real words of the King James Bible (the list of its 3,000 most common words).
        Assert.True(KnownWords.Share(text, cutOff: true) >= 0.6, $"too few real words in: {text}");

        await Screenshots.SaveAsync(page.Page, "dashboard.png", toDocs: true);
        await page.ById("theme-toggle").ClickAsync(); // the same page in dark mode
        await Expect(page.Page.Locator("[data-theme]")).ToHaveAttributeAsync("data-theme", "dark");
        await Screenshots.SaveAsync(page.Page, "dashboard-dark.png", toDocs: true);
        await page.Page.Context.CloseAsync();
    }
}
