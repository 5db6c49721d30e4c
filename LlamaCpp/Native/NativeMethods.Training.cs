using System.Runtime.InteropServices;

namespace CustomGpt.LlamaCpp.Native;

// Training: llama.h's llama_opt_* and the parts of ggml-opt.h they need. The ggml_opt_* functions
// and ggml_get_data live in libggml-base (checked with nm -D on the pinned libraries).
internal static unsafe partial class NativeMethods
{
    public const string GgmlBase = "ggml-base";

    public const int GgmlTypeI32 = 26;          // enum ggml_type GGML_TYPE_I32
    public const int OptimizerAdamW = 0;        // enum ggml_opt_optimizer_type
    public const int FlashAttentionDisabled = 0; // enum llama_flash_attn_type

    [LibraryImport(Llama)] public static partial void llama_opt_init(nint ctx, nint model, LlamaOptParams p);
    [LibraryImport(Llama)]
    public static partial void llama_opt_epoch(nint ctx, nint dataset, nint resultTrain, nint resultEval, long idataSplit,
        delegate* unmanaged[Cdecl]<byte, nint, nint, nint, long, long, long, void> callbackTrain,
        delegate* unmanaged[Cdecl]<byte, nint, nint, nint, long, long, long, void> callbackEval);
    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial void llama_model_save_to_file(nint model, string path);

    [LibraryImport(GgmlBase)] public static partial nint ggml_opt_dataset_init(int typeData, int typeLabel, long neDatapoint, long neLabel, long ndata, long ndataShard);
    [LibraryImport(GgmlBase)] public static partial void ggml_opt_dataset_free(nint dataset);
    [LibraryImport(GgmlBase)] public static partial nint ggml_opt_dataset_data(nint dataset);
    [LibraryImport(GgmlBase)] public static partial nint ggml_opt_dataset_labels(nint dataset);
    [LibraryImport(GgmlBase)] public static partial nint ggml_get_data(nint tensor);

    [LibraryImport(GgmlBase)] public static partial nint ggml_opt_result_init();
    [LibraryImport(GgmlBase)] public static partial void ggml_opt_result_free(nint result);
    [LibraryImport(GgmlBase)] public static partial void ggml_opt_result_ndata(nint result, long* ndata);
    [LibraryImport(GgmlBase)] public static partial void ggml_opt_result_loss(nint result, double* loss, double* unc);
    [LibraryImport(GgmlBase)] public static partial void ggml_opt_reset(nint optCtx, [MarshalAs(UnmanagedType.U1)] bool optimizer);
}
