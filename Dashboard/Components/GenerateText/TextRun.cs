using System.Diagnostics;
using System.Text;
using CustomGpt.Dashboard.Components.Parameters;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.Dashboard.Components.GenerateText;

/// <summary>One press of Generate Text: its parameters, the text as it streams in, and how it ended.</summary>
public sealed class TextRun(int number, GenerationParameters parameters)
{
    /// <summary>How often streamed text is pushed to the page: often enough to look live, rarely enough to stay cheap.</summary>
    static readonly TimeSpan RenderEvery = TimeSpan.FromMilliseconds(50);

    readonly List<string> chunks = [];

    public int Number { get; } = number;
    public GenerationParameters Parameters { get; } = parameters;
    /// <summary>The text in the pieces it was shown in (each a text node: appending re-sends only the new piece).</summary>
    public IReadOnlyList<string> Chunks => chunks;
    public string Text => string.Concat(chunks);
    /// <summary>Characters (Unicode scalar values), as the API counts num_chars.</summary>
    public int Characters { get; private set; }
    public GenerateDone? Stats { get; private set; }
    public ApiFailure? Failure { get; private set; }
    public bool Running { get; private set; }
    public bool Stopped { get; private set; }

    /// <summary>Raised when new text or the outcome is there.</summary>
    public event Action? Changed;

    public string Outcome => Running ? "generating" : Stopped ? "stopped" : Failure is not null ? "failed" : Stats?.FinishReason ?? "";

    /// <summary>Streams the text in. Cancelling <paramref name="ct"/> is Stop: the connection closes and the server stops too.</summary>
    public async Task RunAsync(ModelApiClient client, CancellationToken ct)
    {
        Running = true;
        var pending = new StringBuilder();
        var shown = Stopwatch.GetTimestamp();
        try
        {
            await foreach (var item in client.GenerateStreamAsync(Parameters.ToRequest(), ct))
            {
                switch (item)
                {
                    case GenerateStreamItem.Delta delta:
                        pending.Append(delta.Text);
                        if (Stopwatch.GetElapsedTime(shown) >= RenderEvery)
                        {
                            Show(pending);
                            shown = Stopwatch.GetTimestamp();
                        }
                        break;
                    case GenerateStreamItem.Done done:
                        Stats = done.Stats;
                        break;
                    case GenerateStreamItem.Failed failed:
                        Failure = failed.Failure;
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Stopped = true;
        }
        finally
        {
            Running = false;
            Show(pending);
        }
    }

    void Show(StringBuilder pending)
    {
        if (pending.Length > 0)
        {
            var text = pending.ToString();
            pending.Clear();
            chunks.Add(text);
            Characters += text.EnumerateRunes().Count();
        }
        Changed?.Invoke();
    }
}
