namespace CustomGpt.LlamaCpp;

/// <summary>The KV cache's element type (ggml type ids). A quantized cache turns on flash attention,
/// which llama.cpp needs to read it.</summary>
public enum KvCacheType
{
    F16 = 1,
    Q4_0 = 2,
    Q8_0 = 8,
}
