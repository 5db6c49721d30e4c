using System.Runtime.InteropServices;

namespace CustomGpt.LlamaCpp.Native;

// The subset of llama.h we call. Names mirror C so they can be grepped in llama.h.
// Callers validate arguments first: llama.cpp asserts abort the whole process.
internal static unsafe partial class NativeMethods
{
    public const string Llama = "llama";
    public const string Ggml = "ggml";

    [LibraryImport(Llama)] public static partial void llama_backend_init();
    [LibraryImport(Llama)] public static partial void llama_log_set(delegate* unmanaged[Cdecl]<int, byte*, nint, void> callback, nint userData);
    [LibraryImport(Ggml, StringMarshalling = StringMarshalling.Utf8)] public static partial void ggml_backend_load_all_from_path(string dir);

    [LibraryImport(Llama)] public static partial LlamaModelParams llama_model_default_params();
    [LibraryImport(Llama)] public static partial LlamaContextParams llama_context_default_params();
    [LibraryImport(Llama)] public static partial LlamaModelQuantizeParams llama_model_quantize_default_params();

    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial nint llama_model_load_from_file(string path, LlamaModelParams p);
    [LibraryImport(Llama)] public static partial void llama_model_free(nint model);
    [LibraryImport(Llama)] public static partial nint llama_model_get_vocab(nint model);
    [LibraryImport(Llama)] public static partial int llama_model_n_ctx_train(nint model);
    [LibraryImport(Llama)] public static partial int llama_model_n_embd(nint model);
    [LibraryImport(Llama)] public static partial int llama_model_n_head(nint model);
    [LibraryImport(Llama)] public static partial int llama_model_n_layer(nint model);
    [LibraryImport(Llama)] public static partial ulong llama_model_n_params(nint model);
    [LibraryImport(Llama)] public static partial int llama_model_ftype(nint model);
    [LibraryImport(Llama)] public static partial nint llama_ftype_name(int ftype);
    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial int llama_model_meta_val_str(nint model, string key, byte* buf, nuint bufSize);
    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial nint llama_model_chat_template(nint model, string? name);
    [LibraryImport(Llama)] public static partial int llama_chat_apply_template(nint template, LlamaChatMessage* chat, nuint count, [MarshalAs(UnmanagedType.U1)] bool addAssistant, byte* buf, int length);
    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial uint llama_model_quantize(string input, string output, LlamaModelQuantizeParams* p);

    [LibraryImport(Llama)] public static partial nint llama_init_from_model(nint model, LlamaContextParams p);
    [LibraryImport(Llama)] public static partial void llama_free(nint ctx);
    [LibraryImport(Llama)] public static partial uint llama_n_ctx_seq(nint ctx);
    [LibraryImport(Llama)] public static partial uint llama_n_batch(nint ctx);
    [LibraryImport(Llama)] public static partial uint llama_n_seq_max(nint ctx);
    [LibraryImport(Llama)] public static partial nint llama_get_memory(nint ctx);
    [LibraryImport(Llama)] public static partial void llama_memory_clear(nint mem, [MarshalAs(UnmanagedType.U1)] bool data);
    [LibraryImport(Llama)] [return: MarshalAs(UnmanagedType.U1)] public static partial bool llama_memory_seq_rm(nint mem, int seqId, int p0, int p1);
    [LibraryImport(Llama)] public static partial void llama_memory_seq_add(nint mem, int seqId, int p0, int p1, int delta);
    [LibraryImport(Llama)] [return: MarshalAs(UnmanagedType.U1)] public static partial bool llama_memory_can_shift(nint mem);
    [LibraryImport(Llama)] public static partial int llama_decode(nint ctx, LlamaBatch batch);
    [LibraryImport(Llama)] public static partial void llama_attach_threadpool(nint ctx, nint threadpool, nint threadpoolBatch);

    // ggml's own threads (ComputeThreads): the pool's functions live in the CPU backend variant ggml loaded.
    [LibraryImport(Ggml, StringMarshalling = StringMarshalling.Utf8)] public static partial nint ggml_backend_reg_by_name(string name);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial nint ggml_backend_reg_get_proc_address(nint reg, string name);
    [LibraryImport(GgmlBase)] public static partial void ggml_threadpool_params_init(GgmlThreadpoolParams* p, int nThreads);

    [LibraryImport(Llama)] public static partial LlamaBatch llama_batch_init(int nTokens, int embd, int nSeqMax);
    [LibraryImport(Llama)] public static partial void llama_batch_free(LlamaBatch batch);

    [LibraryImport(Llama)] public static partial int llama_vocab_n_tokens(nint vocab);
    [LibraryImport(Llama)] public static partial int llama_vocab_bos(nint vocab);
    [LibraryImport(Llama)] [return: MarshalAs(UnmanagedType.U1)] public static partial bool llama_vocab_is_eog(nint vocab, int token);
    [LibraryImport(Llama)] [return: MarshalAs(UnmanagedType.U1)] public static partial bool llama_vocab_get_add_bos(nint vocab);
    [LibraryImport(Llama)]
    public static partial int llama_tokenize(nint vocab, byte* text, int textLen, int* tokens, int nTokensMax,
        [MarshalAs(UnmanagedType.U1)] bool addSpecial, [MarshalAs(UnmanagedType.U1)] bool parseSpecial);
    [LibraryImport(Llama)]
    public static partial int llama_token_to_piece(nint vocab, int token, byte* buf, int length, int lstrip,
        [MarshalAs(UnmanagedType.U1)] bool special);

    [LibraryImport(Llama)] public static partial nint llama_sampler_chain_init(LlamaSamplerChainParams p);
    [LibraryImport(Llama)] public static partial void llama_sampler_chain_add(nint chain, nint sampler);
    [LibraryImport(Llama)] public static partial void llama_sampler_free(nint sampler);
    [LibraryImport(Llama)] public static partial int llama_sampler_sample(nint sampler, nint ctx, int idx);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_greedy();
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_dist(uint seed);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_top_k(int k);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_top_p(float p, nuint minKeep);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_min_p(float p, nuint minKeep);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_temp(float t);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_logit_bias(int nVocab, int nLogitBias, LlamaLogitBias* logitBias);
    [LibraryImport(Llama)] public static partial nint llama_sampler_init_penalties(int nVocab, int lastN, float repeat, float freq, float present);
}
