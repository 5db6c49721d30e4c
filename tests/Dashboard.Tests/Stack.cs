namespace CustomGpt.Dashboard.Tests;

/// <summary>ModelApi (a model with a long context, so a run can be stopped mid-way) and the Dashboard pointing at it.</summary>
public sealed class Stack : IAsyncLifetime
{
    public ModelApiProcess Api { get; private set; } = null!;
    public DashboardProcess Dashboard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await new ModelApiProcess(TestModels.LongContext, ("CONTEXT_SIZE", "16384"), ("PARALLEL", "2")).ReadyAsync();
        Dashboard = new DashboardProcess(Api.Address);
    }

    public Task DisposeAsync()
    {
        Dashboard?.Dispose();
        Api?.Dispose();
        return Task.CompletedTask;
    }
}
