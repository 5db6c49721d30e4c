using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// How a forwarded request ended: the answer of the deployment that gave it (a success, or the last failure after the
/// retries), or the exception that ended the last attempt. Holds the deployment busy until disposed, so a streamed
/// answer counts for least-busy balancing while it is relayed.
/// </summary>
public sealed class UpstreamCall(string model) : IDisposable
{
    IDisposable? busy;

    /// <summary>The model name the caller asked for (the model_list entry), not the upstream's own model string.</summary>
    public string Model { get; } = model;

    /// <summary>The deployment of the last attempt (null when no deployment could take one).</summary>
    public UpstreamDeployment? Deployment { get; internal set; }

    public HttpResponseMessage? Response { get; internal set; }

    public Exception? Exception { get; internal set; }

    /// <summary>Calls made to deployments, the first included.</summary>
    public int Attempts { get; internal set; }

    public bool Succeeded => Response is { IsSuccessStatusCode: true };

    internal void Hold(IDisposable handle)
    {
        busy?.Dispose();
        busy = handle;
    }

    public void Dispose()
    {
        Response?.Dispose();
        busy?.Dispose();
    }
}

/// <summary>The OpenAI-compatible routes an upstream is called on, under its api_base.</summary>
public enum UpstreamRoute
{
    ChatCompletions,
    Completions,
}
