using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Trainer.Training;

/// <summary>Named model shapes. Every row length is a multiple of 32 so Q8_0/Q4_0 quantization works.</summary>
public static class Presets
{
    public static readonly IReadOnlyDictionary<string, ModelShape> Shapes = new Dictionary<string, ModelShape>
    {
        // ~0.1M parameters: seconds per epoch of a small text. For tests and quick checks.
        ["tiny"] = new(64, 2, 4, 4, 192, 256),
        // ~2M parameters: the fastest to reach word-level text in the first minutes. The default model's
        // shape, with --context 512 (models/README.md).
        ["small"] = new(192, 4, 6, 6, 576, 256),
        // ~5.3M parameters: the default preset, the largest and slowest per step.
        ["medium"] = new(256, 6, 8, 8, 768, 512),
    };

    public const string Default = "medium";
}
