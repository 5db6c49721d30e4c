using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>MudBlazor selects as a person uses them: open the list, click the model's item.</summary>
public static class ModelPicker
{
    /// <summary>The picker on the Custom GPT and Chat pages: its data-model is the model each request is sent with.</summary>
    public static ILocator Picker(this DashboardPage page) => page.ById("model-picker");

    /// <summary>Waits until the picker has read the list (and the remembered pick), then returns the models it offers.</summary>
    public static async Task<IReadOnlyList<string>> OfferedModelsAsync(this DashboardPage page)
    {
        await Expect(page.Picker()).ToHaveAttributeAsync("data-loaded", "true");
        await page.ById("model-select").ClickAsync();
        var options = page.Page.GetByTestId("model-option");
        await Expect(options.First).ToBeVisibleAsync();
        var names = new List<string>();
        foreach (var option in await options.AllAsync()) names.Add((await option.GetAttributeAsync("data-model"))!);
        await page.Page.Keyboard.PressAsync("Escape");
        await Expect(options).ToHaveCountAsync(0);
        return names;
    }

    public static async Task PickModelAsync(this DashboardPage page, string model)
    {
        await Expect(page.Picker()).ToHaveAttributeAsync("data-loaded", "true");
        await page.ById("model-select").ClickAsync();
        await page.Page.Locator($"[data-testid=model-option][data-model='{model}']").ClickAsync();
        await Expect(page.Picker()).ToHaveAttributeAsync("data-model", model);
    }

    /// <summary>Ticks <paramref name="models"/> in a key's models select (create form or edit dialog), then closes its list.</summary>
    public static async Task PickKeyModelsAsync(this DashboardPage page, string testId, params string[] models)
    {
        await page.ById(testId).ClickAsync();
        foreach (var model in models)
        {
            var option = page.Page.Locator($"[data-testid=key-model-option][data-model='{model}']");
            await option.ClickAsync();
            // The click's round trip has re-rendered the list: an Escape sent during that render can be lost on a busy machine.
            await Expect(option).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-selected-item"));
        }
        await page.Page.Keyboard.PressAsync("Escape");
        await Expect(page.Page.GetByTestId("key-model-option")).ToHaveCountAsync(0);
    }
}
