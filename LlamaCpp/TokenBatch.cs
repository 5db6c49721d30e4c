using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

/// <summary>A reusable llama_batch: tokens of one or more sequences decoded in one call.</summary>
public sealed unsafe class TokenBatch : IDisposable
{
    LlamaBatch batch;
    bool disposed;

    public TokenBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        batch = NativeMethods.llama_batch_init(capacity, 0, 1);
    }

    public int Capacity { get; }
    public int Count => batch.n_tokens;
    internal LlamaBatch Native => batch;

    public void Clear() => batch.n_tokens = 0;

    /// <summary>Adds a token and returns its index, the index to sample from when <paramref name="wantLogits"/>.</summary>
    public int Add(int token, int position, int sequence, bool wantLogits)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (batch.n_tokens >= Capacity) throw new InvalidOperationException($"The batch holds at most {Capacity} tokens.");
        var i = batch.n_tokens++;
        batch.token[i] = token;
        batch.pos[i] = position;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = sequence;
        batch.logits[i] = wantLogits ? (sbyte)1 : (sbyte)0;
        return i;
    }

    internal void Validate(int vocabSize, int maxSequences, int sequenceContext, int maxBatch)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (batch.n_tokens == 0) throw new LlamaException("An empty batch cannot be decoded.");
        if (batch.n_tokens > maxBatch) throw new LlamaException($"The batch has {batch.n_tokens} tokens; the context takes at most {maxBatch}.");
        for (var i = 0; i < batch.n_tokens; i++)
        {
            if ((uint)batch.token[i] >= (uint)vocabSize) throw new LlamaException($"Token id {batch.token[i]} is outside the vocabulary (0..{vocabSize - 1}).");
            if ((uint)batch.seq_id[i][0] >= (uint)maxSequences) throw new LlamaException($"Sequence {batch.seq_id[i][0]} is outside 0..{maxSequences - 1}.");
            if ((uint)batch.pos[i] >= (uint)sequenceContext) throw new LlamaException($"Position {batch.pos[i]} is outside the context of {sequenceContext}.");
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        NativeMethods.llama_batch_free(batch);
    }
}
