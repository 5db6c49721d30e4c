namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>Several models through the typed client (a real ModelApi with MODELS_CONFIG): the names a key may send as
/// "model", requests naming one, and the failures for a name that is not served or not the key's.</summary>
public class ModelListTests(ModelListTests.Api api) : IClassFixture<ModelListTests.Api>
{
    const string Master = "master-for-model-list-tests";
    const string Tiny = "tiny", Wide = "wide";

    [Fact]
    public async Task A_key_sees_the_models_it_may_use_and_requests_naming_one_go_to_it()
    {
        var master = Clients.For(api.Process.Address, Master);
        var all = await master.ModelsAsync();
        Assert.True(all.Succeeded, all.ToString());
        Assert.Equal([(Tiny, "customgpt"), (Wide, "customgpt")], all.Value.Data.Select(m => (m.Id, m.OwnedBy)));

        var limited = Clients.For(api.Process.Address, (await master.GenerateKeyAsync(new KeyGenerateRequest { Models = [Wide] })).Value!.Key);
        Assert.Equal([Wide], (await limited.ModelsAsync()).Value?.Data.Select(m => m.Id));
        var generated = await limited.GenerateAsync(Clients.Request(1, 20, prompt: "日本") with { Model = Wide });
        Assert.True(generated.Succeeded, generated + "\n" + api.Process.Output);
        Assert.Contains(generated.Value.GeneratedText.EnumerateRunes(), r => r.Value > 127); // the multi-byte model wrote it
        var counted = await limited.TokenizeAsync(TestModels.WideAlphabet, Wide);
        Assert.True(counted.Succeeded, counted.ToString());
        Assert.Equal(counted.Value.Count, (await master.TokenizeAsync(TestModels.WideAlphabet, Wide)).Value?.Count);
        Assert.NotEqual(counted.Value.Count, (await master.TokenizeAsync(TestModels.WideAlphabet, Tiny)).Value?.Count); // another tokenizer

        var notHers = await limited.GenerateAsync(Clients.Request(1, 5) with { Model = Tiny });
        Assert.Equal((ApiFailureKind.ModelNotAllowed, 403), (notHers.Failure?.Kind, notHers.Failure?.StatusCode));

        var elsewhere = Clients.For(api.Process.Address, (await master.GenerateKeyAsync(new KeyGenerateRequest { Models = ["gpt-4o"] })).Value!.Key);
        var none = await elsewhere.ModelsAsync();
        Assert.True(none.Succeeded, none.ToString());
        Assert.Empty(none.Value.Data);
    }

    [Fact]
    public async Task A_name_no_model_has_is_model_not_found_whole_streamed_and_in_chat_and_health_lists_each_model()
    {
        var client = Clients.For(api.Process.Address, Master);

        var whole = (await client.GenerateAsync(Clients.Request(1, 5) with { Model = "no-such-model" })).Failure;
        var (_, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 5) with { Model = "no-such-model" }));
        var chat = (await client.ChatAsync(new ChatRequest { UserPrompt = "hi", Model = "no-such-model", MaxTokens = 3 })).Failure;
        foreach (var failure in new[] { whole, Assert.IsType<GenerateStreamItem.Failed>(last).Failure, chat })
        {
            Assert.Equal((ApiFailureKind.ModelNotFound, 404, ProblemCodes.ModelNotFound), (failure?.Kind, failure?.StatusCode, failure?.Code));
            Assert.StartsWith("The API serves no model of that name", failure!.Message, StringComparison.Ordinal);
            Assert.Contains(Wide, failure.Message, StringComparison.Ordinal); // the server names the ones there are
        }

        var health = await client.HealthAsync();
        Assert.True(health.Succeeded, health.ToString());
        Assert.Equal([(Tiny, HealthStatus.Ok), (Wide, HealthStatus.Ok)], health.Value.Models?.Select(m => (m.Name, m.Status)));
    }

    public sealed class Api : IDisposable
    {
        public Api()
        {
            var folder = Directory.CreateTempSubdirectory("customgpt-client-models-").FullName;
            var config = Path.Combine(folder, "config.yaml");
            File.WriteAllText(config, $$"""
                model_list:
                  - model_name: {{Tiny}}
                    litellm_params: { model: gguf/{{TestModels.Tiny}} }
                  - model_name: {{Wide}}
                    litellm_params: { model: gguf/{{TestModels.Wide}}, parallel: 1 }
                """);
            Process = new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Master), ("KEYS_DB", Path.Combine(folder, "keys.db")), ("MODELS_CONFIG", config))
                .ReadyAsync().GetAwaiter().GetResult();
        }

        public ModelApiProcess Process { get; }

        public void Dispose() => Process.Dispose();
    }
}
