using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

/// <summary>
/// A llama.cpp context: the KV cache and compute buffers. Not thread-safe: one thread decodes.
/// </summary>
public sealed class LlamaContext : IDisposable
{
    readonly ContextHandle handle;
    // The context's KV memory: part of the context and freed with it, never on its own. Every use is
    // under the context's Lease(), so it is never touched after the context is freed.
    readonly nint memory;

    LlamaContext(LlamaModel model, ContextHandle handle)
    {
        Model = model;
        this.handle = handle;
        using var c = Lease();
        memory = NativeMethods.llama_get_memory(c.Ptr);
        SequenceContextSize = (int)NativeMethods.llama_n_ctx_seq(c.Ptr);
        BatchSize = (int)NativeMethods.llama_n_batch(c.Ptr);
        MaxSequences = (int)NativeMethods.llama_n_seq_max(c.Ptr);
        CanShift = NativeMethods.llama_memory_can_shift(memory);
    }

    /// <summary>Holds the context alive for one native call (see <see cref="HandleLease"/>).</summary>
    internal HandleLease Lease() => new(handle);

    public LlamaModel Model { get; }

    /// <summary>Positions each sequence may use, as llama.cpp rounded it.</summary>
    public int SequenceContextSize { get; }
    public int BatchSize { get; }
    public int MaxSequences { get; }

    public static LlamaContext Create(LlamaModel model, ContextOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SequenceContextSize, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Sequences, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Sequences, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        if (options.ThreadPolling is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(options), $"Thread polling {options.ThreadPolling} is outside 0..100.");
        if (!Enum.IsDefined(options.KvCache)) throw new ArgumentOutOfRangeException(nameof(options), $"Unknown KV cache type {options.KvCache}.");
        if (!Enum.IsDefined(options.FlashAttention)) throw new ArgumentOutOfRangeException(nameof(options), $"Unknown flash attention setting {options.FlashAttention}.");
        // llama.cpp refuses a quantized V cache without flash attention: say so here, in words.
        if (options.KvCache != KvCacheType.F16 && options.FlashAttention == FlashAttention.Off)
            throw new ArgumentException($"A {options.KvCache} KV cache needs flash attention (on or auto).", nameof(options));
        // Quantized blocks hold 32 values: llama.cpp cannot store heads of another size in them.
        if (options.KvCache != KvCacheType.F16 && model.HeadSize % 32 != 0)
            throw new LlamaException($"A {options.KvCache.ToString().ToLowerInvariant()} KV cache needs attention heads of a multiple of 32 values; this model's have {model.HeadSize} (use f16).");
        var p = NativeMethods.llama_context_default_params();
        p.n_ctx = checked((uint)(options.SequenceContextSize * options.Sequences));
        p.n_seq_max = (uint)options.Sequences;
        p.n_batch = (uint)options.BatchSize;
        p.n_ubatch = (uint)options.BatchSize;
        // The default is 4 threads: on a 2-core machine that collapses speed, so always set both.
        p.n_threads = options.Threads;
        p.n_threads_batch = options.Threads;
        p.kv_unified = 0; // each sequence owns its share of the cache
        p.type_k = p.type_v = (int)options.KvCache;
        p.flash_attn_type = (int)options.FlashAttention;
        p.no_perf = 1;
        var context = Create(model, p);
        if (options.ThreadPolling is { } poll) context.KeepThreads(options.Threads, poll);
        return context;
    }

    void KeepThreads(int threads, int poll)
    {
        try
        {
            var pool = ComputeThreads.Create(threads, poll);
            handle.Own(pool);
            using var c = Lease();
            NativeMethods.llama_attach_threadpool(c.Ptr, pool, pool);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>A context with parameters set by the caller (the training context sets its own).</summary>
    internal static LlamaContext Create(LlamaModel model, LlamaContextParams p)
    {
        // The context points into the model: it keeps a reference on the model's handle, given back
        // when the context is freed (ContextHandle), so the model stays alive until then.
        var added = false;
        model.Handle.DangerousAddRef(ref added);
        try
        {
            nint ptr;
            using (var m = model.Lease()) ptr = NativeMethods.llama_init_from_model(m.Ptr, p);
            if (ptr == 0) throw new LlamaException("llama.cpp could not create a context (see its log lines; often too little memory for the context size).");
            return new LlamaContext(model, ContextHandle.From(ptr, model.Handle));
        }
        catch
        {
            model.Handle.DangerousRelease();
            throw;
        }
    }

    /// <summary>Runs the model over a batch. Everything llama.cpp would assert on is checked first.</summary>
    public void Decode(TokenBatch batch)
    {
        batch.Validate(Model.VocabSize, MaxSequences, SequenceContextSize, BatchSize);
        using var c = Lease();
        var rc = NativeMethods.llama_decode(c.Ptr, batch.Native);
        if (rc != 0) throw new LlamaException(rc == 1 ? "No room left in the KV cache for this batch." : $"llama_decode failed ({rc}).");
    }

    /// <summary>Forgets every sequence and clears the cache's contents.</summary>
    internal void ClearAll()
    {
        using var c = Lease();
        NativeMethods.llama_memory_clear(memory, data: true);
    }

    /// <summary>Forgets everything a sequence has seen so its slot can start afresh.</summary>
    public void ClearSequence(int sequence)
    {
        if ((uint)sequence >= (uint)MaxSequences) throw new LlamaException($"Sequence {sequence} is outside 0..{MaxSequences - 1}.");
        using var c = Lease();
        NativeMethods.llama_memory_seq_rm(memory, sequence, -1, -1);
    }

    /// <summary>
    /// Forgets a sequence's cells from <paramref name="position"/> on and keeps those before it (a prompt
    /// prefix the next request shares). False when this model's memory cannot drop a part of a sequence.
    /// </summary>
    public bool RemoveFrom(int sequence, int position)
    {
        if ((uint)sequence >= (uint)MaxSequences) throw new LlamaException($"Sequence {sequence} is outside 0..{MaxSequences - 1}.");
        if ((uint)position > (uint)SequenceContextSize) throw new LlamaException($"Position {position} is outside 0..{SequenceContextSize}.");
        using var c = Lease();
        return NativeMethods.llama_memory_seq_rm(memory, sequence, position, -1);
    }

    /// <summary>Whether <see cref="ShiftSequence"/> works for this model (RoPE models: yes).</summary>
    public bool CanShift { get; }

    /// <summary>
    /// Makes room in a full sequence: keeps its first <paramref name="keep"/> positions, forgets the
    /// next <paramref name="discard"/>, and moves the rest down. Returns the new end position.
    /// </summary>
    public int ShiftSequence(int sequence, int end, int keep, int discard)
    {
        if (!CanShift) throw new LlamaException("This model's memory cannot be shifted.");
        if (keep < 0 || discard < 1 || keep + discard > end || end > SequenceContextSize || (uint)sequence >= (uint)MaxSequences)
            throw new LlamaException($"Invalid shift: sequence {sequence}, keep {keep}, discard {discard}, end {end}, context {SequenceContextSize}.");
        using var c = Lease();
        NativeMethods.llama_memory_seq_rm(memory, sequence, keep, keep + discard);
        NativeMethods.llama_memory_seq_add(memory, sequence, keep + discard, end, -discard);
        return end - discard;
    }

    public void Dispose() => handle.Dispose();
}
