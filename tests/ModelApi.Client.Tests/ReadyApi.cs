namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>One ModelApi process with the tiny model (context 512), ready, shared by a test class.</summary>
public sealed class ReadyApi : IAsyncLifetime
{
    public ModelApiProcess Api { get; private set; } = null!;

    public async Task InitializeAsync() => Api = await new ModelApiProcess(TestModels.Tiny).ReadyAsync();

    public Task DisposeAsync()
    {
        Api.Dispose();
        return Task.CompletedTask;
    }
}
