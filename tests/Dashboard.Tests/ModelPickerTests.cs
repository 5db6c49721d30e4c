using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The model picker on the Custom GPT and Chat pages, and the Keys page restricting a key to models.</summary>
[Collection(BrowserCollection.Name)]
public class ModelPickerTests(Browser browser, KeyStack stack) : IClassFixture<KeyStack>
{
    [Fact]
    public async Task The_picked_model_answers_is_remembered_across_a_reload_and_the_Chat_page_and_falls_back_to_the_first_when_no_longer_offered()
    {
        var secret = await stack.NewKeyAsync("hal");
        var hal = await browser.SignInAsync(stack.Dashboard.Address, secret);
        Assert.Equal(KeyStack.Models, await hal.OfferedModelsAsync());
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-model", KeyStack.Models[0]); // nothing remembered yet: the first
        foreach (var model in KeyStack.Models) // the connection report: each model's own state from /health
            await Expect(hal.Page.Locator($"[data-testid=model-state][data-model='{model}']")).ToHaveAttributeAsync("data-state", HealthStatus.Ok);

        var (first, picked) = (KeyStack.Models[0], KeyStack.Models[^1]);
        await hal.PickModelAsync(picked);
        // That model wrote it: its own alphabet (the first model's is ASCII), and ModelApi counted it for that model alone.
        Assert.True(WrittenByWide(await hal.GenerateAsync()));
        Assert.True(await CompletionTokensAsync(secret, picked) > 0);
        Assert.Equal(0, await CompletionTokensAsync(secret, first));

        await hal.Page.ReloadAsync();
        await hal.Page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-model", picked);

        var chat = new ChatPage(hal.Page);
        await hal.ById("nav-chat").ClickAsync();
        await chat.LoadedAsync();
        await Expect(chat.Picker()).ToHaveAttributeAsync("data-model", picked);
        var before = await CompletionTokensAsync(secret, picked);
        await chat.SayAsync("hello");
        Assert.True(WrittenByWide(await chat.LastReply.TextContentAsync() ?? ""));
        Assert.True(await CompletionTokensAsync(secret, picked) > before);
        Assert.Equal(0, await CompletionTokensAsync(secret, first));

        // The operator takes that model away from the key: the remembered pick is no longer offered, so the first is used.
        await stack.UpdateKeyAsync(new { key = secret, models = new[] { first } });
        await chat.ReloadAsync();
        await Expect(chat.Picker()).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(chat.Picker()).ToHaveAttributeAsync("data-model", first);
        Assert.Equal([first], await chat.OfferedModelsAsync());
        await hal.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_link_with_a_model_opens_the_page_with_that_model_picked_and_remembers_it()
    {
        var hal = await browser.SignInAsync(stack.Dashboard.Address, await stack.NewKeyAsync("linked"));
        var (first, linked) = (KeyStack.Models[0], KeyStack.Models[^1]);
        await hal.Page.GotoAsync(new Uri(stack.Dashboard.Address, $"./?model={Uri.EscapeDataString(linked)}").ToString()); // the Training page's Try it
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-model", linked);

        await hal.Page.GotoAsync(stack.Dashboard.Address.ToString());
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-model", linked); // remembered

        await hal.Page.GotoAsync(new Uri(stack.Dashboard.Address, "./?model=no-such-model").ToString());
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(hal.Picker()).ToHaveAttributeAsync("data-model", linked); // a name not offered changes nothing
        Assert.NotEqual(first, linked);
        await hal.Page.Context.CloseAsync();
    }

    /// <summary>The completion tokens ModelApi counted for the key on one model (0 when it never used it).</summary>
    async Task<long> CompletionTokensAsync(string secret, string model) =>
        (await stack.KeyInfoAsync(secret)).GetProperty("usage").TryGetProperty("models", out var models) && models.TryGetProperty(model, out var usage)
            ? usage.GetProperty("completion_tokens").GetInt64() : 0;

    /// <summary>True when the text has a character only the second test model (multi-byte alphabet) writes.</summary>
    static bool WrittenByWide(string text) =>
        text.EnumerateRunes().Any(r => r.Value > 127 && TestModels.WideAlphabet.Contains(r.ToString(), StringComparison.Ordinal));

    [Fact]
    public async Task The_operator_restricts_a_key_to_one_model_and_that_key_sees_only_that_model_in_the_picker()
    {
        var operatorPage = new CustomGptPage((await browser.SignInAsync(stack.Dashboard.Address, KeyStack.Master)).Page);
        Assert.Equal(KeyStack.Models, await operatorPage.OfferedModelsAsync()); // the master key may use them all
        await operatorPage.ById("keys-link").ClickAsync();
        var only = KeyStack.Models[^1];
        await operatorPage.ById("new-key-alias").FillAsync("gil");
        await operatorPage.PickKeyModelsAsync("new-key-models", only);
        await operatorPage.SetNumberAsync("new-key-max-budget", 5);
        await operatorPage.ById("create-key").ClickAsync();
        var secret = (await operatorPage.ById("new-key-secret").TextContentAsync())!.Trim();
        var row = operatorPage.ById("keys-grid").Locator("tr", new() { HasText = "gil" });
        await Expect(row.GetByTestId("key-models")).ToHaveTextAsync(only);
        await Expect(row.GetByTestId("key-spend")).ToHaveTextAsync("$0.00 of $5.00");

        var gil = await browser.SignInAsync(stack.Dashboard.Address, secret);
        Assert.Equal([only], await gil.OfferedModelsAsync());
        await Expect(gil.Picker()).ToHaveAttributeAsync("data-model", only);
        Assert.True(WrittenByWide(await gil.GenerateAsync()));
        await operatorPage.ById("refresh-keys").ClickAsync();
        // Spend and per-model usage, as ModelApi counted them: only the model used, charged at its cost per token.
        var usage = row.GetByTestId("key-model-usage");
        await Expect(usage).ToHaveAttributeAsync("data-model", only);
        var info = (await stack.KeyInfoAsync(secret)).GetProperty("usage");
        var tokens = info.GetProperty("prompt_tokens").GetInt64() + info.GetProperty("completion_tokens").GetInt64();
        Assert.True(tokens > 0);
        await Expect(usage).ToContainTextAsync($"{tokens:N0} tokens", new() { UseInnerText = true });
        await Expect(row.GetByTestId("key-spend")).Not.ToHaveTextAsync("$0.00 of $5.00");
        Assert.Equal(tokens * KeyStack.WideCostPerToken, info.GetProperty("spend").GetDouble(), 6);

        // Edit: the dialog shows the key's model ticked; ticking the other one too gives the key both.
        await row.GetByTestId("edit-limits-button").ClickAsync();
        await operatorPage.PickKeyModelsAsync("edit-models", KeyStack.Models[0]);
        await operatorPage.ById("save-limits").ClickAsync();
        await Expect(row.GetByTestId("key-models")).ToHaveTextAsync(string.Join(", ", KeyStack.Models.Reverse()));
        await gil.Page.ReloadAsync();
        await gil.Page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
        Assert.Equal(KeyStack.Models, await gil.OfferedModelsAsync());
        await operatorPage.Page.Context.CloseAsync();
        await gil.Page.Context.CloseAsync();
    }
}
