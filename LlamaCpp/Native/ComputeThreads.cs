namespace CustomGpt.LlamaCpp.Native;

/// <summary>
/// A ggml thread pool that a context keeps between decodes, as llama.cpp's own tools attach one. Without it
/// ggml starts and joins its worker threads for every decode.
/// </summary>
internal static unsafe class ComputeThreads
{
    static delegate* unmanaged[Cdecl]<GgmlThreadpoolParams*, nint> create;
    static delegate* unmanaged[Cdecl]<nint, void> free;

    /// <param name="poll">How long idle workers spin before they sleep: 0 sleeps at once, 50 is llama.cpp's default, 100 the most.</param>
    public static nint Create(int threads, int poll)
    {
        Resolve();
        GgmlThreadpoolParams p;
        NativeMethods.ggml_threadpool_params_init(&p, threads);
        p.poll = (uint)poll;
        var pool = create(&p);
        if (pool == 0) throw new LlamaException($"ggml could not start a pool of {threads} threads.");
        return pool;
    }

    public static void Free(nint pool)
    {
        if (pool != 0) free(pool);
    }

    static void Resolve()
    {
        if (create is not null) return;
        var cpu = NativeMethods.ggml_backend_reg_by_name("CPU");
        if (cpu == 0) throw new LlamaException("ggml has no CPU backend loaded.");
        var newFn = NativeMethods.ggml_backend_reg_get_proc_address(cpu, "ggml_threadpool_new");
        var freeFn = NativeMethods.ggml_backend_reg_get_proc_address(cpu, "ggml_threadpool_free");
        if (newFn == 0 || freeFn == 0) throw new LlamaException("This ggml CPU backend offers no thread pool.");
        free = (delegate* unmanaged[Cdecl]<nint, void>)freeFn;
        create = (delegate* unmanaged[Cdecl]<GgmlThreadpoolParams*, nint>)newFn;
    }
}
