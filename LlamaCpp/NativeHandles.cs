using System.Runtime.InteropServices;
using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

// SafeHandles make sure native memory is freed exactly once, even on a finalizer thread.

public sealed class ModelHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;
    internal static ModelHandle From(nint ptr) { var h = new ModelHandle(); h.SetHandle(ptr); return h; }
    protected override bool ReleaseHandle() { NativeMethods.llama_model_free(handle); return true; }
}

/// <summary>A context points into its model: it holds a reference on the model's handle, given back
/// only after the context itself is freed, so the model can never be freed first.</summary>
public sealed class ContextHandle() : SafeHandle(0, ownsHandle: true)
{
    ModelHandle? model;
    nint threads;

    public override bool IsInvalid => handle == 0;

    /// <summary>Takes ownership of one reference the caller added on <paramref name="model"/>.</summary>
    internal static ContextHandle From(nint ptr, ModelHandle model) { var h = new ContextHandle { model = model }; h.SetHandle(ptr); return h; }

    /// <summary>A thread pool attached to this context: freed after the context, which uses it until then.</summary>
    internal void Own(nint threadPool) => threads = threadPool;

    protected override bool ReleaseHandle()
    {
        NativeMethods.llama_free(handle);
        ComputeThreads.Free(threads);
        model?.DangerousRelease();
        return true;
    }
}

public sealed class SamplerHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;
    internal static SamplerHandle From(nint ptr) { var h = new SamplerHandle(); h.SetHandle(ptr); return h; }
    protected override bool ReleaseHandle() { NativeMethods.llama_sampler_free(handle); return true; }
}

/// <summary>
/// Keeps a handle's native object alive for one native call. A Dispose on another thread while the
/// lease is held only marks the handle closed; the free runs when the last lease ends. A call after
/// Dispose throws <see cref="ObjectDisposedException"/> instead of touching freed memory.
/// </summary>
internal readonly ref struct HandleLease
{
    readonly SafeHandle handle;

    public HandleLease(SafeHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        this.handle = handle;
        Ptr = handle.DangerousGetHandle();
    }

    public nint Ptr { get; }

    public void Dispose() => handle.DangerousRelease();
}
