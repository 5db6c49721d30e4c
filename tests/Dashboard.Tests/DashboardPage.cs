using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>What every Dashboard page object shares: controls found by test id, the numeric boxes, the seed.</summary>
public abstract class DashboardPage(IPage page)
{
    public IPage Page => page;

    public ILocator ById(string testId) => page.GetByTestId(testId);

    /// <summary>Types into a Radzen numeric box and leaves it (the value is taken on change).</summary>
    public async Task SetNumberAsync(string testId, double value)
    {
        var input = ById(testId).Locator("input");
        await input.FillAsync(value.ToString(CultureInfo.InvariantCulture));
        await input.PressAsync("Tab");
        await Expect(input).ToHaveValueAsync(value.ToString(CultureInfo.InvariantCulture));
    }

    public async Task UseFixedSeedAsync(long seed)
    {
        if (await ById("seed").Locator("input").IsDisabledAsync()) await ById("random-seed").ClickAsync();
        await Expect(ById("seed").Locator("input")).ToBeEnabledAsync();
        await SetNumberAsync("seed", seed);
    }
}
