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

public sealed class ContextHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;
    internal static ContextHandle From(nint ptr) { var h = new ContextHandle(); h.SetHandle(ptr); return h; }
    protected override bool ReleaseHandle() { NativeMethods.llama_free(handle); return true; }
}

public sealed class SamplerHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;
    internal static SamplerHandle From(nint ptr) { var h = new SamplerHandle(); h.SetHandle(ptr); return h; }
    protected override bool ReleaseHandle() { NativeMethods.llama_sampler_free(handle); return true; }
}
