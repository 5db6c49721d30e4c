using System.Runtime.InteropServices;

namespace CustomGpt.LlamaCpp.Native;

/// <summary>
/// glibc raises its mmap threshold each time a large block is freed (up to 32 MB), so after one big
/// tokenization the next big buffers come from the heap arenas, and the holes they leave keep resident
/// memory high for good. A fixed threshold keeps large blocks in mmap, returned to the system when freed.
/// Measured with `bench -- --soak`: resident memory levels off about 50 MB lower (docs/performance.md "Soak and fuzz").
/// </summary>
static partial class NativeHeap
{
    const int MmapThreshold = -3; // M_MMAP_THRESHOLD in malloc.h

    /// <summary>True when glibc took the setting.</summary>
    public static bool ReturnLargeBlocksToTheSystem()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(MmapThreshold, 128 * 1024) == 1; // glibc's own starting value, now fixed
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (musl has no such tuning)
        }
    }

    [LibraryImport("libc.so.6")]
    private static partial int mallopt(int param, int value);
}
