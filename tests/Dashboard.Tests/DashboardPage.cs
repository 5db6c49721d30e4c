using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>What every Dashboard page object shares: controls found by test id, the numeric boxes, the seed.</summary>
public abstract class DashboardPage(IPage page)
{
    public IPage Page => page;

    public ILocator ById(string testId) => page.GetByTestId(testId);

    /// <summary>A transient notice (a MudBlazor snackbar), found by its words.</summary>
    public ILocator Notice(string text) => page.GetByText(text, new() { Exact = true });

    /// <summary>Types into a numeric box (MudNumericField: the test id is on its input) and leaves it (the value is taken on change).</summary>
    public async Task SetNumberAsync(string testId, double value)
    {
        var input = ById(testId);
        await input.FillAsync(value.ToString(CultureInfo.InvariantCulture));
        await input.PressAsync("Tab");
        await Expect(input).ToHaveValueAsync(value.ToString(CultureInfo.InvariantCulture));
    }

    public async Task UseFixedSeedAsync(long seed)
    {
        await ById("random-seed").UncheckAsync(); // the switch (role=switch) off: a seed of our own
        await Expect(ById("seed")).ToBeEnabledAsync();
        await SetNumberAsync("seed", seed);
    }
}
