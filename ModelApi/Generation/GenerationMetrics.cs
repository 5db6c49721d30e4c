using System.Text;

namespace CustomGpt.ModelApi.Generation;

/// <summary>Counters the scheduler keeps, served at /metrics in Prometheus text format.</summary>
public sealed class GenerationMetrics
{
    long completed, cancelled, failed, rejected, promptTokens, reusedPromptTokens, generatedTokens, decodeSteps, contextShifts;

    public long GeneratedTokens => Interlocked.Read(ref generatedTokens);

    internal void Completed(int prompt, int generated) { Interlocked.Increment(ref completed); Count(prompt, generated); }
    internal void Cancelled(int prompt, int generated) { Interlocked.Increment(ref cancelled); Count(prompt, generated); }
    internal void Failed() => Interlocked.Increment(ref failed);
    internal void Rejected() => Interlocked.Increment(ref rejected);
    internal void DecodeStep() => Interlocked.Increment(ref decodeSteps);
    internal void PromptTokensReused(int tokens) => Interlocked.Add(ref reusedPromptTokens, tokens);
    internal void ContextShift() => Interlocked.Increment(ref contextShifts);

    void Count(int prompt, int generated)
    {
        Interlocked.Add(ref promptTokens, prompt);
        Interlocked.Add(ref generatedTokens, generated);
    }

    public string ToPrometheus(int active, int queued)
    {
        var sb = new StringBuilder();
        void Family(string name, string type, string help, params (string Labels, long Value)[] samples) =>
            PrometheusText.Family(sb, name, type, help, samples);
        Family("customgpt_requests_total", "counter", "Generation requests by outcome.",
            ("{outcome=\"completed\"}", Interlocked.Read(ref completed)),
            ("{outcome=\"cancelled\"}", Interlocked.Read(ref cancelled)),
            ("{outcome=\"failed\"}", Interlocked.Read(ref failed)),
            ("{outcome=\"rejected_busy\"}", Interlocked.Read(ref rejected)));
        Family("customgpt_prompt_tokens_total", "counter", "Prompt tokens processed.", ("", Interlocked.Read(ref promptTokens)));
        Family("customgpt_prompt_tokens_reused_total", "counter", "Prompt tokens taken from a sequence's cache instead of decoded (prompt cache).", ("", Interlocked.Read(ref reusedPromptTokens)));
        Family("customgpt_generated_tokens_total", "counter", "Tokens generated.", ("", GeneratedTokens));
        Family("customgpt_decode_steps_total", "counter", "llama_decode calls.", ("", Interlocked.Read(ref decodeSteps)));
        Family("customgpt_context_shifts_total", "counter", "Times a text outgrew its context and the window moved on.", ("", Interlocked.Read(ref contextShifts)));
        Family("customgpt_requests_active", "gauge", "Requests decoding now.", ("", active));
        Family("customgpt_requests_queued", "gauge", "Requests waiting for a free sequence.", ("", queued));
        return sb.ToString();
    }
}
