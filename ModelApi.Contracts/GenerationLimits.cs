namespace CustomGpt.ModelApi.Contracts;

/// <summary>
/// What a generation request may ask for and what it gets when it leaves a field out: the server checks
/// requests with these, the Dashboard bounds its controls with them, the client and the docs quote them.
/// What depends on the running server (MAX_CHARS, the context) comes from GET /health instead.
/// </summary>
public static class GenerationLimits
{
    public const double DefaultTemperature = 0.8;
    public const double MaxTemperature = 10;
    /// <summary>Below this (but above 0), dividing logits by the temperature overflows a float.</summary>
    public const double MinTemperature = 1e-6;

    public const int DefaultTopK = 40;
    public const double DefaultTopP = 0.95;
    public const double DefaultMinP = 0.05;

    public const double DefaultRepeatPenalty = 1.0;
    /// <summary>The repeat penalty divides logits too: the same bound keeps them finite.</summary>
    public const double MinRepeatPenalty = 1e-6;
    public const double MaxRepeatPenalty = 10;

    /// <summary>num_chars when a request gives neither num_chars nor max_tokens.</summary>
    public const int DefaultNumChars = 200;
    /// <summary>The server's MAX_CHARS when it is not set.</summary>
    public const int DefaultMaxChars = 8192;

    public const int MaxStopSequences = 16;
    public const int MaxStopLength = 256;

    /// <summary>llama.cpp treats 0xFFFFFFFF as "pick a random seed", so it is not a valid fixed seed.</summary>
    public const long MaxSeed = uint.MaxValue - 1L;
}

/// <summary>The request fields by their names on the wire: what a problem's <c>errors</c> are keyed by.</summary>
public static class RequestFields
{
    public const string Prompt = "prompt", Seed = "seed", Temperature = "temperature", NumChars = "num_chars",
        MaxTokens = "max_tokens", IgnoreEos = "ignore_eos", KeepPrompt = "keep_prompt", TopK = "top_k", TopP = "top_p",
        MinP = "min_p", RepeatPenalty = "repeat_penalty", Stop = "stop", Stream = "stream",
        UserPrompt = "user_prompt", ConversationHistory = "conversation_history", SystemPrompt = "system_prompt";
}

/// <summary>How a caller presents its key (Authorization: Bearer works too).</summary>
public static class ApiKeyHeader
{
    public const string Name = "X-API-Key";
}
