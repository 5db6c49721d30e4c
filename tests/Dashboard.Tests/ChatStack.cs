namespace CustomGpt.Dashboard.Tests;

/// <summary>ModelApi with the ChatML test model (a chat template; one sequence, so a conversation's next turn
/// finds its cached prompt) and the Dashboard pointing at it.</summary>
public sealed class ChatStack : IAsyncLifetime
{
    public ModelApiProcess Api { get; private set; } = null!;
    public DashboardProcess Dashboard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await new ModelApiProcess(TestModels.Chat, ("PARALLEL", "1")).ReadyAsync();
        Dashboard = new DashboardProcess(Api.Address);
    }

    public Task DisposeAsync()
    {
        Dashboard?.Dispose();
        Api?.Dispose();
        return Task.CompletedTask;
    }
}
