using System.Security.Cryptography;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Generation;

/// <summary>What a route asks to plan: the sampling fields, and for a chat the rendered conversation,
/// which takes the place of <see cref="GenerateRequest.Prompt"/> and is named <paramref name="ChatField"/> in errors.</summary>
public sealed record PlanInput(GenerateRequest Request, ChatPrompt? Chat = null, string ChatField = "messages")
{
    public static implicit operator PlanInput(GenerateRequest request) => new(request);
}

/// <summary>What the running server allows: positions per request, MAX_CHARS, and whether a text may
/// outgrow the context (llama.cpp can shift this model's memory).</summary>
public readonly record struct PlanLimits(int ContextSize, int MaxChars, bool CanShift)
{
    /// <summary>With a moving window, as many tokens as characters may be asked for; without, the context.</summary>
    public int MaxTokens => CanShift ? Math.Max(MaxChars, ContextSize) : ContextSize;
}

/// <summary>
/// Checks a <see cref="GenerateRequest"/> against the model and limits and turns it into a
/// <see cref="GenerationPlan"/>. Everything llama.cpp could choke on is caught here, per field.
/// </summary>
public static class GenerationPlanner
{
    public static (GenerationPlan? Plan, Dictionary<string, string[]> Errors) Plan(
        PlanInput input, LlamaModel model, PlanLimits limits)
    {
        var (r, chat) = (input.Request, input.Chat);
        var (contextSize, maxChars) = (limits.ContextSize, limits.MaxChars);
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];

        if (r.Seed is < 0 or > GenerationLimits.MaxSeed) Error(RequestFields.Seed, $"'seed' must be from 0 to {GenerationLimits.MaxSeed}.");
        // Checked as the 32-bit floats llama.cpp receives: 1e-50 passes as a double and is 0 as a float.
        if (r.Temperature is double t && (!double.IsFinite(t) || t < 0 || t > GenerationLimits.MaxTemperature || (t != 0 && (float)t < GenerationLimits.MinTemperature)))
            Error(RequestFields.Temperature, $"'temperature' must be 0 (greedy) or a number from {GenerationLimits.MinTemperature} to {GenerationLimits.MaxTemperature}.");
        if (r.NumChars is < 1 || r.NumChars > maxChars) Error(RequestFields.NumChars, $"'num_chars' must be from 1 to {maxChars}.");
        if (r.MaxTokens is < 1 || r.MaxTokens > limits.MaxTokens)
            Error(RequestFields.MaxTokens, $"'max_tokens' must be from 1 to {limits.MaxTokens}{(limits.CanShift ? "" : " (the context size)")}.");
        if (r.TopK is < 0 || r.TopK > model.VocabSize) Error(RequestFields.TopK, $"'top_k' must be from 0 (off) to {model.VocabSize} (the vocabulary size).");
        if (r.TopP is double p && !((float)p > 0 && p <= 1)) Error(RequestFields.TopP, "'top_p' must be greater than 0 (at least 1e-38) and at most 1.");
        if (r.MinP is double m && !(m >= 0 && m <= 1)) Error(RequestFields.MinP, "'min_p' must be from 0 to 1.");
        if (r.RepeatPenalty is double rp && !((float)rp >= GenerationLimits.MinRepeatPenalty && rp <= GenerationLimits.MaxRepeatPenalty)) Error(RequestFields.RepeatPenalty, $"'repeat_penalty' must be from {GenerationLimits.MinRepeatPenalty} to {GenerationLimits.MaxRepeatPenalty} (1 is off).");
        var stops = r.Stop ?? [];
        if (stops.Count > GenerationLimits.MaxStopSequences) Error(RequestFields.Stop, $"'stop' may hold at most {GenerationLimits.MaxStopSequences} sequences.");
        else if (stops.Any(s => string.IsNullOrEmpty(s) || s.Length > GenerationLimits.MaxStopLength)) Error(RequestFields.Stop, $"Each 'stop' sequence must have 1 to {GenerationLimits.MaxStopLength} characters.");
        // No token covers more than LongestTokenBytes characters, so a prompt longer than this cannot fit:
        // say so from its length alone rather than spend CPU tokenizing megabytes.
        var (promptField, what) = chat is null ? (RequestFields.Prompt, "The prompt") : (input.ChatField, $"The conversation ('{input.ChatField}' and the new turn)");
        var promptChars = chat?.Length ?? r.Prompt?.Length ?? 0;
        if (promptChars > (long)contextSize * model.LongestTokenBytes)
            Error(promptField, $"{what} has {promptChars} characters; the context holds {contextSize} tokens of at most {model.LongestTokenBytes} characters each.");
        if (errors.Count > 0) return (null, errors);

        var prompt = chat is null ? model.Tokenize(r.Prompt ?? "", addSpecial: true) : model.Tokenize(chat);
        if (prompt.Length == 0) prompt = [model.BosToken >= 0 ? model.BosToken : 0]; // something to start from
        if (prompt.Length >= contextSize)
        {
            Error(promptField, $"{what} is {prompt.Length} tokens; the context holds {contextSize}, and at least one must be left for the output.");
            return (null, errors);
        }
        var room = contextSize - prompt.Length;
        // A chat reply runs to the end of its turn unless asked otherwise; bounded by the room left.
        if (chat is not null && r.MaxTokens is null && r.NumChars is null) r = r with { MaxTokens = room };
        var numChars = r.NumChars ?? (r.MaxTokens is null ? GenerationLimits.DefaultNumChars : null);
        // A character never takes less than one token here, so this is how much output can need.
        var wanted = r.MaxTokens ?? numChars!.Value;
        if (wanted > room && !limits.CanShift)
        {
            var field = r.MaxTokens is null ? RequestFields.NumChars : RequestFields.MaxTokens;
            Error(field, $"The prompt ({prompt.Length} tokens) plus '{field}' ({wanted}) exceeds the context of {contextSize} tokens; ask for at most {room}.");
            return (null, errors);
        }
        // What a context shift keeps: the whole prompt when asked (it must leave room to move on),
        // else only the beginning-of-text token the model expects in front.
        var keep = r.KeepPrompt == true ? prompt.Length : prompt[0] == model.BosToken && model.AddsBos ? 1 : 0;
        if (keep > contextSize / 2)
        {
            if (wanted > room)
            {
                Error(RequestFields.KeepPrompt, $"'keep_prompt' keeps at most half the context ({contextSize / 2} tokens) when the text outgrows it; the prompt is {prompt.Length} tokens.");
                return (null, errors);
            }
            keep = contextSize / 2; // no shift is needed unless characters take more tokens than planned
        }

        var seed = r.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        var sampling = new SamplingOptions
        {
            Seed = (uint)seed,
            Temperature = (float)(r.Temperature ?? GenerationLimits.DefaultTemperature),
            TopK = r.TopK ?? GenerationLimits.DefaultTopK,
            TopP = (float)(r.TopP ?? GenerationLimits.DefaultTopP),
            MinP = (float)(r.MinP ?? GenerationLimits.DefaultMinP),
            RepeatPenalty = (float)(r.RepeatPenalty ?? GenerationLimits.DefaultRepeatPenalty),
            IgnoreEos = r.IgnoreEos ?? false,
        };
        // Byte-level tokens can make a character cost several tokens: the moving window keeps num_chars
        // exact. The bound only stops a model that never produces a visible character.
        var maxTokens = r.MaxTokens ?? Math.Max(room, numChars!.Value * 8);
        return (new GenerationPlan(prompt, sampling, numChars, maxTokens, stops, keep), errors);
    }
}
