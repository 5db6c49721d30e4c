using System.Runtime.InteropServices;

namespace CustomGpt.LlamaCpp.Native;

// Blittable mirrors of llama.h at commit de3ff81 (npm node-llama-cpp 3.22.1). C bool is byte.
// Sizes are asserted by tests/LlamaCpp.Tests/StructLayoutTests: a version bump must update both.

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlamaModelParams
{
    public nint devices;
    public nint tensor_buft_overrides;
    public int n_gpu_layers;
    public int split_mode;
    public int load_mode;
    public int lazy_mode;
    public int main_gpu;
    public float* tensor_split;
    public nint progress_callback;
    public nint progress_callback_user_data;
    public nint kv_overrides;
    public byte vocab_only;
    public byte check_tensors;
    public byte use_extra_bufts;
    public byte no_host;
    public byte no_alloc;
    public byte load_mtp;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlamaContextParams
{
    public uint n_ctx;
    public uint n_batch;
    public uint n_ubatch;
    public uint n_seq_max;
    public uint n_rs_seq;
    public uint n_outputs_max;
    public uint n_outputs_max_per_seq;
    public int n_threads;
    public int n_threads_batch;
    public int ctx_type;
    public int rope_scaling_type;
    public int pooling_type;
    public int attention_type;
    public int flash_attn_type;
    public float rope_freq_base;
    public float rope_freq_scale;
    public float yarn_ext_factor;
    public float yarn_attn_factor;
    public float yarn_beta_fast;
    public float yarn_beta_slow;
    public uint yarn_orig_ctx;
    public float defrag_thold;
    public nint cb_eval;
    public nint cb_eval_user_data;
    public int type_k;
    public int type_v;
    public nint abort_callback;
    public nint abort_callback_data;
    public byte embeddings;
    public byte offload_kqv;
    public byte no_perf;
    public byte op_offload;
    public byte swa_full;
    public byte kv_unified;
    public nint samplers;
    public nuint n_samplers;
    public nint ctx_other;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlamaBatch
{
    public int n_tokens;
    public int* token;
    public float* embd;
    public int* pos;
    public int* n_seq_id;
    public int** seq_id;
    public sbyte* logits;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlamaSamplerChainParams
{
    public byte no_perf;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlamaModelQuantizeParams
{
    public int nthread;
    public int ftype;
    public int output_tensor_type;
    public int token_embedding_type;
    public byte allow_requantize;
    public byte quantize_output_tensor;
    public byte only_copy;
    public byte pure;
    public byte keep_split;
    public byte dry_run;
    public nint imatrix;
    public nint kv_overrides;
    public nint tt_overrides;
    public nint prune_layers;
    public nuint max_buf_size;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlamaLogitBias
{
    public int token;
    public float bias;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlamaChatMessage
{
    public byte* role;
    public byte* content;
}

/// <summary>llama.h struct llama_opt_params (48 bytes at commit de3ff81).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LlamaOptParams
{
    public uint n_ctx_train;
    public nint param_filter;
    public nint param_filter_ud;
    public nint get_opt_pars;
    public nint get_opt_pars_ud;
    public int optimizer_type;
}

/// <summary>ggml-opt.h struct ggml_opt_optimizer_params (28 bytes): AdamW's five floats, then SGD's two.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GgmlOptOptimizerParams
{
    public float adamw_alpha;
    public float adamw_beta1;
    public float adamw_beta2;
    public float adamw_eps;
    public float adamw_wd;
    public float sgd_alpha;
    public float sgd_wd;
}

// ggml.h: struct ggml_threadpool_params (GGML_MAX_N_THREADS = 512 cpumask bytes first; 528 bytes in all).
[StructLayout(LayoutKind.Explicit, Size = 528)]
internal struct GgmlThreadpoolParams
{
    [FieldOffset(512)] public int n_threads;
    [FieldOffset(516)] public int prio;
    [FieldOffset(520)] public uint poll;
    [FieldOffset(524)] public byte strict_cpu;
    [FieldOffset(525)] public byte paused;
}
