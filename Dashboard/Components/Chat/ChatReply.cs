using System.Diagnostics;
using System.Text;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.Dashboard.Components.Chat;

/// <summary>Streams one reply into its bubble, as Generate Text streams its text.</summary>
public static class ChatReply
{
    /// <summary>How often streamed text is pushed to the page: often enough to look live, rarely enough to stay cheap
    /// (the whole reply is rendered as Markdown each time, so a long reply is pushed less often).</summary>
    static TimeSpan RenderEvery(int length) => TimeSpan.FromMilliseconds(50 + length / 100);

    /// <summary>Fills <paramref name="reply"/> as the text arrives; <paramref name="changed"/> redraws the page while it streams.
    /// Cancelling <paramref name="ct"/> is Stop: the connection closes and the server stops too.
    /// Returns the failure when the reply could not start or broke off.</summary>
    public static async Task<ApiFailure?> RunAsync(ModelApiClient client, ChatRequest request, Turn reply, Func<Task> changed, CancellationToken ct)
    {
        reply.Running = true;
        var text = new StringBuilder();
        var shown = Stopwatch.GetTimestamp();
        ApiFailure? failure = null;
        try
        {
            await foreach (var item in client.ChatStreamAsync(request, ct))
            {
                switch (item)
                {
                    case ChatStreamItem.Delta delta:
                        text.Append(delta.Text);
                        if (Stopwatch.GetElapsedTime(shown) >= RenderEvery(text.Length))
                        {
                            reply.Text = text.ToString();
                            await changed();
                            shown = Stopwatch.GetTimestamp();
                        }
                        break;
                    case ChatStreamItem.Done done:
                        reply.Stats = ReplyStats.From(done.Stats);
                        break;
                    case ChatStreamItem.Failed failed:
                        failure = failed.Failure;
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            reply.Stopped = true;
        }
        finally
        {
            reply.Running = false;
            reply.Text = text.ToString();
        }
        if (failure is not null && reply.Text.Length > 0) reply.Error = failure.Message;
        return failure; // the caller shows the end, once it has kept the conversation
    }
}
