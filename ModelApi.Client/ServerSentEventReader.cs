namespace CustomGpt.ModelApi.Client;

/// <summary>Reads text/event-stream: "event:" and "data:" lines, an empty line ends an event.</summary>
public sealed class ServerSentEventReader(Stream stream) : IDisposable
{
    readonly StreamReader reader = new(stream);

    /// <summary>The next event, or null at the end of the stream.</summary>
    public async Task<(string Event, string Data)?> ReadAsync(CancellationToken ct)
    {
        string name = "message";
        List<string>? data = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null) return (name, string.Join('\n', data));
                name = "message";
                continue;
            }
            if (line[0] == ':') continue; // a comment (keep-alive)
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            if (field == "event") name = value;
            else if (field == "data") (data ??= []).Add(value);
        }
        return null;
    }

    public void Dispose() => reader.Dispose();
}
