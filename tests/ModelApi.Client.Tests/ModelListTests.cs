namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>GET /v1/models through the typed client: the names a key may send as "model", and requests naming one.</summary>
public class ModelListTests(ModelListTests.Api api) : IClassFixture<ModelListTests.Api>
{
    const string Master = "master-for-model-list-tests";

    [Fact]
    public async Task A_key_sees_the_models_it_may_use_and_requests_naming_one_go_to_it()
    {
        var master = Clients.For(api.Process.Address, Master);
        var all = await master.ModelsAsync();
        Assert.True(all.Succeeded, all.ToString());
        var served = Assert.Single(all.Value.Data);
        Assert.Equal(("tiny", "customgpt"), (served.Id, served.OwnedBy));

        var limited = Clients.For(api.Process.Address, (await master.GenerateKeyAsync(new KeyGenerateRequest { Models = ["tiny"] })).Value!.Key);
        Assert.Equal(["tiny"], (await limited.ModelsAsync()).Value?.Data.Select(m => m.Id));
        var generated = await limited.GenerateAsync(Clients.Request(1, 5) with { Model = "tiny" });
        Assert.True(generated.Succeeded, generated.ToString());
        Assert.Equal(5, Clients.CharCount(generated.Value.GeneratedText));
        var counted = await limited.TokenizeAsync("abc", "tiny");
        Assert.True(counted.Succeeded, counted.ToString());

        var elsewhere = Clients.For(api.Process.Address, (await master.GenerateKeyAsync(new KeyGenerateRequest { Models = ["gpt-4o"] })).Value!.Key);
        var none = await elsewhere.ModelsAsync();
        Assert.True(none.Succeeded, none.ToString());
        Assert.Empty(none.Value.Data);
    }

    public sealed class Api : IDisposable
    {
        public ModelApiProcess Process { get; } = new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Master),
            ("KEYS_DB", Path.Combine(Directory.CreateTempSubdirectory("customgpt-client-models-").FullName, "keys.db"))).ReadyAsync().GetAwaiter().GetResult();

        public void Dispose() => Process.Dispose();
    }
}
