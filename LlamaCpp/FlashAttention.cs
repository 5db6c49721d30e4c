namespace CustomGpt.LlamaCpp;

/// <summary>llama_flash_attn_type: how attention is computed. On the CPU, flash attention reads the cache once per
/// query row; prompts decoded against a long context (a chat's later turns) were 30 % slower with it (docs/performance.md).</summary>
public enum FlashAttention
{
    Auto = -1,
    Off = 0,
    On = 1,
}
