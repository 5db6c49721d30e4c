using System.Runtime.InteropServices;
using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

// SafeHandles make sure native memory is freed exactly once, even on a finalizer thread.

/// <summary>
/// A native object's handle that refuses new leases from the moment Dispose is called. SafeHandle alone only closes
/// when its count of references reaches zero, so while other threads kept overlapping calls going (four threads
/// tokenizing) every new call still got through, and a "disposed" model went on serving for a minute or more.
/// </summary>
public abstract class LeasedHandle() : SafeHandle(0, ownsHandle: true)
{
    volatile bool disposed;

    public override bool IsInvalid => handle == 0;

    /// <summary>Dispose was called: no new call may start (those in flight finish, then the object is freed).</summary>
    internal bool IsDisposed => disposed;

    protected override void Dispose(bool disposing)
    {
        disposed = true;
        base.Dispose(disposing);
    }
}

public sealed class ModelHandle : LeasedHandle
{
    internal static ModelHandle From(nint ptr) { var h = new ModelHandle(); h.SetHandle(ptr); return h; }
    protected override bool ReleaseHandle() { NativeMethods.llama_model_free(handle); return true; }
}

/// <summary>A context points into its model: it holds a reference on the model's handle, given back
/// only after the context itself is freed, so the model can never be freed first.</summary>
public sealed class ContextHandle : LeasedHandle
{
    ModelHandle? model;
    nint threads;

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

public sealed class SamplerHandle : LeasedHandle
{
    internal static SamplerHandle From(nint ptr) { var h = new SamplerHandle(); h.SetHandle(ptr); return h; }
    protected override bool ReleaseHandle() { NativeMethods.llama_sampler_free(handle); return true; }
}

/// <summary>
/// Keeps a handle's native object alive for one native call. A Dispose on another thread while the
/// lease is held only marks the handle closed; the free runs when the last lease ends. A call that starts
/// after Dispose throws <see cref="ObjectDisposedException"/>, whatever other calls are still in flight.
/// </summary>
internal readonly ref struct HandleLease
{
    readonly SafeHandle handle;

    public HandleLease(LeasedHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added); // throws once the handle is closed (no reference left)
        if (handle.IsDisposed)
        {
            handle.DangerousRelease();
            throw new ObjectDisposedException(handle.GetType().Name);
        }
        this.handle = handle;
        Ptr = handle.DangerousGetHandle();
    }

    public nint Ptr { get; }

    public void Dispose() => handle.DangerousRelease();
}
