using System.Globalization;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The page takes its limits from the server it is connected to, not from numbers of its own.</summary>
[Collection(BrowserCollection.Name)]
public class ServerLimitTests(Browser browser)
{
    [Fact]
    public async Task The_number_of_characters_is_bounded_by_the_servers_max_chars_and_may_outgrow_its_context()
    {
        using var api = await new ModelApiProcess(TestModels.Tiny, ("MAX_CHARS", "700"), ("CONTEXT_SIZE", "256")).ReadyAsync();
        using var dashboard = new DashboardProcess(api.Address);
        var page = new CustomGptPage(await browser.OpenAsync(dashboard.Address));
        await Expect(page.ConnectionStatus).ToHaveAttributeAsync("data-state", "ready");

        await Expect(page.ById("num-chars-hint")).ToContainTextAsync("Up to 700 (this server's limit)");
        await Expect(page.ById("num-chars-hint")).ToContainTextAsync("context of 256 tokens");

        // Above the server's limit the box takes the server's number.
        var input = page.ById("num-chars");
        await input.FillAsync("5000");
        await input.PressAsync("Tab");
        await Expect(input).ToHaveValueAsync("700");

        // 700 characters from a 256-token context: the window moves on and the length is exact.
        await page.UseFixedSeedAsync(3);
        var text = await page.GenerateAsync();
        Assert.Equal(700, CustomGptPage.CharCount(text));
        Assert.Equal("700", await page.StatAsync("chars"));
        Assert.True(int.Parse(await page.StatAsync("shifts"), CultureInfo.InvariantCulture) > 0, "the window never moved");
        await page.Page.Context.CloseAsync();
    }
}
