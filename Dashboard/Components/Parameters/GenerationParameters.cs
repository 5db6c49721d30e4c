using CustomGpt.ModelApi.Client;

namespace CustomGpt.Dashboard.Components.Parameters;

/// <summary>What the user sets before Generate Text, with the API's defaults and limits.</summary>
public sealed class GenerationParameters : ISeedAndTemperature
{
    public const double MinTemperature = 0, MaxTemperature = GenerationLimits.MaxTemperature;
    /// <summary>MaxChars holds until a connection test reports the server's own limit.</summary>
    public const int MinChars = 1, MaxChars = GenerationLimits.DefaultMaxChars;
    public const long MaxSeed = GenerationLimits.MaxSeed;
    public const double MinTopP = 0.01, MaxTopP = 1;

    public string Prompt { get; set; } = "";
    /// <summary>The model picked for the run (a name from /v1/models); null: the server's default.</summary>
    public string? Model { get; set; }
    /// <summary>True: no seed is sent, the API picks one and reports it.</summary>
    public bool RandomSeed { get; set; } = true;
    public long Seed { get; set; } = 42;
    public double Temperature { get; set; } = GenerationLimits.DefaultTemperature;
    public int NumChars { get; set; } = GenerationLimits.DefaultNumChars;
    /// <summary>0 turns top-k off.</summary>
    public int TopK { get; set; } = GenerationLimits.DefaultTopK;
    public double TopP { get; set; } = GenerationLimits.DefaultTopP;
    /// <summary>One stop sequence per line; \n and \t stand for a newline and a tab.</summary>
    public string StopSequences { get; set => field = value ?? ""; } = ""; // an emptied text field gives null
    /// <summary>"Always fill the length": the API's <c>ignore_eos</c> (the text runs to the full number of
    /// characters, end-of-text is ignored).</summary>
    public bool FillLength { get; set; } = true;

    /// <summary>The request fields that have a control on the page (their errors are shown there).</summary>
    static readonly HashSet<string> FieldsWithControl =
    [
        RequestFields.Prompt, RequestFields.Seed, RequestFields.Temperature, RequestFields.NumChars, RequestFields.MaxTokens,
        RequestFields.IgnoreEos, RequestFields.TopK, RequestFields.TopP, RequestFields.Stop,
    ];

    /// <summary>True when the failure is about a field that has its own control (and message) on the page.</summary>
    public static bool ShownAtField(ApiFailure failure) =>
        failure.Kind == ApiFailureKind.Rejected && failure.Field is { } field && FieldsWithControl.Contains(field);

    /// <summary>The most characters the connected server takes (its MAX_CHARS, from /health).</summary>
    public static int MaxCharsFor(ModelInfo? model) => model is { MaxChars: > 0 } m ? m.MaxChars : MaxChars;

    public GenerationParameters Clone() => (GenerationParameters)MemberwiseClone();

    /// <summary>This, for the picked model.</summary>
    public GenerationParameters For(string? model)
    {
        Model = model;
        return this;
    }

    /// <summary>Defaults again, keeping the prompt.</summary>
    public GenerationParameters Reset() => new() { Prompt = Prompt };

    public IReadOnlyList<string> StopList() =>
        [.. StopSequences.Split('\n')
            .Select(s => s.TrimEnd('\r'))
            .Where(s => s.Length > 0)
            .Select(s => s.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal))];

    public GenerateRequest ToRequest()
    {
        var stops = StopList();
        return new GenerateRequest
        {
            Model = Model,
            Prompt = Prompt,
            Seed = RandomSeed ? null : Seed,
            Temperature = Temperature,
            NumChars = NumChars,
            TopK = TopK,
            TopP = TopP,
            Stop = stops.Count > 0 ? stops : null,
            IgnoreEos = FillLength,
        };
    }
}
