namespace CustomGpt.ModelApi.Generation;

/// <summary>
/// The prompt tokens one lane's KV cells hold once its job has ended: token i at position i. A later prompt that
/// starts the same way (the next turn of a chat, a shared system prompt) decodes only what differs,
/// as llama-server's cache_prompt does. Only the scheduler thread touches it.
/// </summary>
sealed class LaneMemory
{
    readonly List<int> tokens = [];

    /// <summary>False once positions stopped matching tokens (a slid window) or the cells are unknown (a failure).</summary>
    public bool Trusted { get; private set; } = true;

    /// <summary>How many prompt tokens the cells hold for reuse.</summary>
    public int Count => tokens.Count;

    /// <summary>When the lane last took a job: among equal prefixes the least recently used lane is given up.</summary>
    public long LastUsed { get; set; }

    /// <summary>Whether the cells came from prompt chunks of 64 rows or more (with flash attention: see
    /// <see cref="GenerationScheduler.FlashAttentionTile"/>); a prompt reuses only cells decoded the way it would be.</summary>
    public bool InTiles { get; set; }

    /// <summary>How many leading tokens of <paramref name="prompt"/> the cells already hold.</summary>
    public int CommonPrefix(int[] prompt)
    {
        if (!Trusted) return 0;
        var n = Math.Min(tokens.Count, prompt.Length);
        var i = 0;
        while (i < n && tokens[i] == prompt[i]) i++;
        return i;
    }

    /// <summary>A prompt token was decoded at the next position.</summary>
    public void Append(int token)
    {
        if (Trusted) tokens.Add(token);
    }

    /// <summary>Keeps the first <paramref name="count"/> tokens (the cells after them were removed).</summary>
    public void KeepFirst(int count) => tokens.RemoveRange(count, tokens.Count - count);

    public void Distrust()
    {
        tokens.Clear();
        Trusted = false;
    }

    /// <summary>The cells were cleared: nothing is held, and what comes next can be trusted again.</summary>
    public void Reset()
    {
        tokens.Clear();
        Trusted = true;
    }
}
