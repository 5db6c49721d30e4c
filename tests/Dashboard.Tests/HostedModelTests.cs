using CustomGpt.ModelApi.Tests.Upstreams;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>ModelApi with a local model and a hosted one (an OpenAI-compatible endpoint on loopback), the Dashboard in front.</summary>
public sealed class HostedStack : IAsyncLifetime
{
    public const string Local = "tiny", Hosted = "hosted";

    public FakeUpstream Upstream { get; } = new(Answers.Ok("from the hosted model"));
    public ModelApiProcess Api { get; private set; } = null!;
    public DashboardProcess Dashboard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("customgpt-dashboard-hosted-").FullName, "config.yaml");
        await File.WriteAllTextAsync(config, $$"""
            model_list:
              - model_name: {{Local}}
                litellm_params: { model: gguf/{{TestModels.Tiny}} }
              - model_name: {{Hosted}}
                litellm_params: { model: openai/chat, api_base: "{{Upstream.ApiBase}}", api_key: os.environ/HOSTED_KEY }
            """);
        Api = await new ModelApiProcess(TestModels.Tiny, ("MODELS_CONFIG", config), ("HOSTED_KEY", "upstream-secret")).ReadyAsync();
        Dashboard = new DashboardProcess(Api.Address);
    }

    public async Task DisposeAsync()
    {
        Dashboard?.Dispose();
        Api?.Dispose();
        await Upstream.DisposeAsync();
    }
}

[Collection(BrowserCollection.Name)]
public class HostedModelTests(Browser browser, HostedStack stack) : IClassFixture<HostedStack>
{
    [Fact]
    public async Task The_prompt_box_estimates_a_hosted_models_tokens_and_counts_a_local_models()
    {
        var page = new CustomGptPage(await browser.OpenAsync(stack.Dashboard.Address));
        const string Prompt = "the quick brown fox jumps"; // 25 characters: about 7 tokens at four a token, rounded up

        await page.PickModelAsync(HostedStack.Hosted);
        await page.ById("prompt").FillAsync(Prompt);
        await Expect(page.ById("prompt-tokens")).ToHaveTextAsync("about 7 prompt tokens (estimated: this model's tokenizer is hosted elsewhere)");

        // Another model, its own tokenizer: the local model's exact count, as ModelApi's /tokenize gives it.
        await page.PickModelAsync(HostedStack.Local);
        await Expect(page.ById("prompt-tokens")).ToHaveTextAsync($"{await stack.Api.TokenCountAsync(Prompt)} prompt tokens");
        Assert.Empty(stack.Upstream.Received); // counting never reaches the hosted provider
        await page.Page.Context.CloseAsync();
    }
}
