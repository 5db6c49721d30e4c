using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

/// <summary>A llama.cpp sampler chain: penalties, top-k, top-p, min-p, temperature, then a seeded draw.</summary>
public sealed unsafe class TokenSampler : IDisposable
{
    readonly SamplerHandle handle;

    TokenSampler(SamplerHandle handle) => this.handle = handle;

    public static TokenSampler Create(LlamaModel model, SamplingOptions o)
    {
        if (!float.IsFinite(o.Temperature) || o.Temperature < 0) throw new ArgumentOutOfRangeException(nameof(o), "Temperature must be finite and >= 0.");
        if (!(o.TopP > 0 && o.TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(o), "TopP must be in (0, 1].");
        if (!(o.MinP >= 0 && o.MinP <= 1)) throw new ArgumentOutOfRangeException(nameof(o), "MinP must be in [0, 1].");
        if (!(o.RepeatPenalty > 0) || !float.IsFinite(o.RepeatPenalty)) throw new ArgumentOutOfRangeException(nameof(o), "RepeatPenalty must be > 0.");
        LlamaBackend.EnsureInitialized();
        var chain = NativeMethods.llama_sampler_chain_init(new LlamaSamplerChainParams { no_perf = 1 });
        if (o.IgnoreEos && model.EndOfGenerationTokens.Count > 0)
        {
            var biases = model.EndOfGenerationTokens.Select(t => new LlamaLogitBias { token = t, bias = float.NegativeInfinity }).ToArray();
            fixed (LlamaLogitBias* b = biases)
                NativeMethods.llama_sampler_chain_add(chain, NativeMethods.llama_sampler_init_logit_bias(model.VocabSize, biases.Length, b));
        }
        if (o.RepeatPenalty != 1.0f)
            NativeMethods.llama_sampler_chain_add(chain, NativeMethods.llama_sampler_init_penalties(model.VocabSize, o.RepeatLastN, o.RepeatPenalty, 0, 0));
        if (o.Temperature == 0)
        {
            NativeMethods.llama_sampler_chain_add(chain, NativeMethods.llama_sampler_init_greedy());
        }
        else
        {
            if (o.TopK > 0) NativeMethods.llama_sampler_chain_add(chain, NativeMethods.llama_sampler_init_top_k(o.TopK));
            if (o.TopP < 1) NativeMethods.llama_sampler_chain_add(chain, NativeMethods.llama_sampler_init_top_p(o.TopP, 1));
            if (o.MinP > 0) NativeMethods.llama_sampler_chain_add(chain, NativeMethods.llama_sampler_init_min_p(o.MinP, 1));
            NativeMethods.llama_sampler_chain_add(chain, NativeMethods.llama_sampler_init_temp(o.Temperature));
            NativeMethods.llama_sampler_chain_add(chain, NativeMethods.llama_sampler_init_dist(o.Seed));
        }
        return new TokenSampler(SamplerHandle.From(chain));
    }

    /// <summary>Draws the next token from the logits at <paramref name="batchIndex"/> of the last decode.
    /// Also records the token for the repeat penalty.</summary>
    public int Sample(LlamaContext context, int batchIndex)
    {
        using var s = new HandleLease(handle);
        using var c = context.Lease();
        return NativeMethods.llama_sampler_sample(s.Ptr, c.Ptr, batchIndex);
    }

    public void Dispose() => handle.Dispose();
}
