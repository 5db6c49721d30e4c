namespace CustomGpt.ModelApi.Generation;

// How prompts enter the lanes: which lane a prompt takes, what of its cells the prompt cache lets it keep, and in which
// chunks the rest is decoded. Only the scheduler thread runs this.
public sealed partial class GenerationScheduler
{
    /// <summary>
    /// The free lane whose cells share the longest prefix with the prompt, when that covers at least half
    /// of what the lane holds (the prompt goes on from it: the next turn of its conversation); else the
    /// least recently used lane, so a shared template opening does not overwrite another conversation's cache.
    /// </summary>
    int BestLane(int[] prompt)
    {
        int best = -1, bestShared = -1, oldest = -1;
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            if (lanes[lane] is not null) continue;
            if (oldest < 0 || memories[lane].LastUsed < memories[oldest].LastUsed) oldest = lane;
            var shared = Reusable(lane, prompt);
            if (shared > bestShared) (best, bestShared) = (lane, shared);
        }
        return bestShared > 0 && bestShared * 2 >= memories[best].Count ? best : oldest;
    }

    /// <summary>How many leading tokens of the prompt the lane's cells hold in a form the prompt can reuse.</summary>
    int Reusable(int lane, int[] prompt) =>
        promptCache && (!promptsInTiles || memories[lane].InTiles == InTiles(prompt)) ? memories[lane].CommonPrefix(prompt) : 0;

    /// <summary>
    /// Keeps the lane's cells for the prefix it shares with the prompt and drops the rest, so only the
    /// tail is decoded. At least the prompt's last token is decoded again: its logits give the first token.
    /// With flash attention more is (<see cref="FlashAttentionTile"/>): the last 64 of a prompt in tiles, else the last two.
    /// </summary>
    void Reuse(int lane, GenerationJob job)
    {
        var memory = memories[lane];
        var prompt = job.Plan.PromptTokens;
        var again = !flashAttention || prompt.Length <= 2 ? 1 : InTiles(prompt) ? FlashAttentionTile : 2;
        var reused = Math.Min(Reusable(lane, prompt), prompt.Length - again);
        if (reused > 0 && context.RemoveFrom(lane, reused))
        {
            memory.KeepFirst(reused);
            Metrics.PromptTokensReused(reused);
        }
        else
        {
            context.ClearSequence(lane);
            memory.Reset();
            reused = 0;
        }
        memory.InTiles = InTiles(prompt);
        memory.LastUsed = ++admissions;
        job.PromptCursor = job.Position = job.CachedTokens = reused;
    }

    /// <summary>
    /// A prompt's share of a step while other lanes stream. A step ends before any lane gets its next token, so beside
    /// streaming lanes a prompt advances by at most this many tokens (under a second on 2 cores) and a long prompt never
    /// holds their streams back for long. With no lane streaming, a prompt takes all the room the batch has, as in
    /// llama-server: each step is one pass over the weights, so fewer, fuller steps decode a long prompt faster.
    /// </summary>
    internal const int PromptChunkBesideStreams = 128;

    /// <summary>
    /// With flash attention, llama.cpp's CPU kernel computes a lane's rows of a batch on a tiled path from its query tile of
    /// 64 rows up, row by row below it, and for a single row against 512 or more cells on a split path; the three round
    /// differently. So that a cached beginning plus a tail gives the cells the whole prompt gives, each prompt keeps to one
    /// path: one of 64 tokens or more goes in tiles, chunks of at least 64 rows, each in a decode of its own (in a decode with
    /// other lanes llama.cpp cuts every lane's share to the shortest one's); a shorter one goes in chunks of 2 to
    /// <see cref="FlashAttentionChunk"/> rows beside the other lanes. (Without flash attention a prompt is one kind.)
    /// </summary>
    internal const int FlashAttentionTile = 64;

    /// <summary>With flash attention, the most rows a chunk of a prompt that does not go in tiles has.</summary>
    internal const int FlashAttentionChunk = FlashAttentionTile - 1;

    bool InTiles(int[] prompt) => promptsInTiles && prompt.Length >= FlashAttentionTile;

    /// <summary>
    /// How many rows of a prompt in tiles the next chunk takes: all that is left when it fits, else as many as fit while
    /// 64 or more stay for later; 0 when no such chunk fits.
    /// </summary>
    static int TileChunk(int left, int limit)
    {
        if (left <= limit) return left;
        var take = Math.Min(limit, left - FlashAttentionTile);
        return take >= FlashAttentionTile ? take : 0;
    }

    /// <summary>How many rows of any other prompt the next chunk takes; with flash attention never leaving a last chunk of one row.</summary>
    int RowChunk(int left, int limit)
    {
        var take = Math.Min(limit, left);
        return flashAttention && left - take == 1 && take > 2 ? take - 1 : take;
    }

    /// <summary>
    /// The prompts of at most half the lanes advance in one step, the earliest requests' first: when a burst of
    /// requests arrives, half of them get their first token after about half the prompt work instead of all of
    /// them after all of it (llama-server's way), and then generate beside the others' prompts. Returns the
    /// admission number of the latest prompt that takes its turn in this step.
    /// </summary>
    long LastPromptTurn()
    {
        var waiting = 0;
        for (var lane = 0; lane < lanes.Length; lane++)
            if (lanes[lane] is { PromptDone: false }) promptOrder[waiting++] = memories[lane].LastUsed;
        if (waiting == 0) return long.MinValue;
        var turns = Math.Max(1, lanes.Length / 2);
        if (waiting <= turns) return long.MaxValue;
        Array.Sort(promptOrder, 0, waiting);
        return promptOrder[turns - 1];
    }

    /// <summary>The prompt's next <paramref name="take"/> tokens; returns <paramref name="take"/>.</summary>
    int AddPromptChunk(int lane, GenerationJob job, int take)
    {
        var prompt = job.Plan.PromptTokens;
        for (var i = 0; i < take; i++)
        {
            var last = job.PromptCursor + 1 == prompt.Length;
            memories[lane].Append(prompt[job.PromptCursor]);
            var index = batch.Add(prompt[job.PromptCursor++], job.Position++, lane, wantLogits: last);
            if (last) job.LogitsIndex = index;
        }
        return take;
    }
}
