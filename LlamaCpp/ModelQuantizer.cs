using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

/// <summary>Weight formats llama_model_quantize can produce (values are llama_ftype).</summary>
public enum Quantization { Q4_0 = 2, Q8_0 = 7 }

public static unsafe class ModelQuantizer
{
    /// <summary>Quantizes an F32/F16 GGUF through llama.cpp's own quantizer.</summary>
    public static void Quantize(string input, string output, Quantization type, int threads = 0)
    {
        GgufFile.EnsureLooksValid(input);
        LlamaBackend.EnsureInitialized();
        var p = NativeMethods.llama_model_quantize_default_params();
        p.ftype = (int)type;
        p.nthread = threads;
        var rc = NativeMethods.llama_model_quantize(input, output, &p);
        if (rc != 0) throw new LlamaException($"llama_model_quantize failed ({rc}); row lengths must be multiples of 32 for {type}.");
    }
}
