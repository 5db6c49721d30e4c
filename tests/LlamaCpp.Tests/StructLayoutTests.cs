using System.Runtime.InteropServices;
using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp.Tests;

// Sizes and offsets measured with gcc against llama.h of the pinned llama.cpp (commit de3ff81).
// If the pinned package changes, these fail before a mismatched struct can corrupt memory.
public class StructLayoutTests
{
    [Fact]
    public void Struct_sizes_match_the_pinned_llama_h()
    {
        Assert.Equal(80, Marshal.SizeOf<LlamaModelParams>());
        Assert.Equal(160, Marshal.SizeOf<LlamaContextParams>());
        Assert.Equal(56, Marshal.SizeOf<LlamaBatch>());
        Assert.Equal(1, Marshal.SizeOf<LlamaSamplerChainParams>());
        Assert.Equal(64, Marshal.SizeOf<LlamaModelQuantizeParams>());
    }

    [Theory]
    [InlineData(typeof(LlamaModelParams), nameof(LlamaModelParams.n_gpu_layers), 16)]
    [InlineData(typeof(LlamaModelParams), nameof(LlamaModelParams.load_mode), 24)]
    [InlineData(typeof(LlamaModelParams), nameof(LlamaModelParams.tensor_split), 40)]
    [InlineData(typeof(LlamaModelParams), nameof(LlamaModelParams.vocab_only), 72)]
    [InlineData(typeof(LlamaContextParams), nameof(LlamaContextParams.n_threads), 28)]
    [InlineData(typeof(LlamaContextParams), nameof(LlamaContextParams.flash_attn_type), 52)]
    [InlineData(typeof(LlamaContextParams), nameof(LlamaContextParams.cb_eval), 88)]
    [InlineData(typeof(LlamaContextParams), nameof(LlamaContextParams.type_k), 104)]
    [InlineData(typeof(LlamaContextParams), nameof(LlamaContextParams.embeddings), 128)]
    [InlineData(typeof(LlamaContextParams), nameof(LlamaContextParams.kv_unified), 133)]
    [InlineData(typeof(LlamaContextParams), nameof(LlamaContextParams.ctx_other), 152)]
    [InlineData(typeof(LlamaModelQuantizeParams), nameof(LlamaModelQuantizeParams.dry_run), 21)]
    [InlineData(typeof(LlamaModelQuantizeParams), nameof(LlamaModelQuantizeParams.max_buf_size), 56)]
    public void Field_offsets_match_the_pinned_llama_h(Type type, string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf(type, field));

    [Fact]
    public unsafe void Ggml_fills_exactly_the_thread_pool_parameters_we_mirror()
    {
        LlamaBackend.EnsureInitialized();
        Assert.Equal(528, Marshal.SizeOf<GgmlThreadpoolParams>());
        var bytes = new byte[600];
        Array.Fill(bytes, (byte)0xAB);
        fixed (byte* p = bytes) NativeMethods.ggml_threadpool_params_init((GgmlThreadpoolParams*)p, 3);
        var written = MemoryMarshal.Read<GgmlThreadpoolParams>(bytes);
        Assert.Equal((3, 0, 50u, (byte)0, (byte)0), (written.n_threads, written.prio, written.poll, written.strict_cpu, written.paused));
        Assert.All(bytes[..512], b => Assert.Equal(0, b)); // the CPU mask: none set
        Assert.All(bytes[528..], b => Assert.Equal(0xAB, b)); // nothing past the struct's end
    }

    [Fact]
    public void Defaults_read_through_the_binding_are_the_documented_ones()
    {
        LlamaBackend.EnsureInitialized();
        var c = NativeMethods.llama_context_default_params();
        Assert.Equal(512u, c.n_ctx);
        Assert.Equal(2048u, c.n_batch);
        Assert.Equal(1u, c.n_seq_max);
        var m = NativeMethods.llama_model_default_params();
        Assert.Equal(-1, m.load_mode); // LLAMA_LOAD_MODE_AUTO
    }
}
