using System.Runtime.InteropServices;
using CustomGpt.LlamaCpp.Training;

namespace CustomGpt.Trainer.Tests;

/// <summary>The training structs mirror llama.h / ggml-opt.h at commit de3ff81 (sizes checked with gcc).
/// A llama.cpp version bump must update both; a mismatch would corrupt memory, not fail cleanly.</summary>
public sealed class NativeLayoutTests
{
    static Type Native(string name) =>
        typeof(TrainingContext).Assembly.GetType("CustomGpt.LlamaCpp.Native." + name, throwOnError: true)!;

    [Fact]
    public void llama_opt_params_is_48_bytes() => Assert.Equal(48, Marshal.SizeOf(Native("LlamaOptParams")));

    [Fact]
    public void ggml_opt_optimizer_params_is_28_bytes() => Assert.Equal(28, Marshal.SizeOf(Native("GgmlOptOptimizerParams")));
}
