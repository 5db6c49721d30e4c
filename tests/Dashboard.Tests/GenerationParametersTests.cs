using CustomGpt.Dashboard.Components.Parameters;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.Dashboard.Tests;

/// <summary>What the Custom GPT page's parameters turn into: the request, its limits, where an error is shown.</summary>
public class GenerationParametersTests
{
    [Fact]
    public void Stop_sequences_are_one_per_line_with_escapes_for_newline_and_tab()
    {
        var parameters = new GenerationParameters { StopSequences = "THE END\r\n\\n\\n\n\n\\tx\n" };
        Assert.Equal(["THE END", "\n\n", "\tx"], parameters.StopList());
        Assert.Equal(["THE END", "\n\n", "\tx"], parameters.ToRequest().Stop);
        Assert.Null(new GenerationParameters { StopSequences = "\n\r\n" }.ToRequest().Stop); // blank lines are not stops
    }

    [Fact]
    public void The_request_carries_the_controls_and_leaves_the_seed_to_the_api_when_random()
    {
        var parameters = new GenerationParameters { Prompt = "And God said", Seed = 7, RandomSeed = false, Temperature = 0.5, NumChars = 300, TopK = 0, TopP = 0.9, FillLength = false };
        var request = parameters.ToRequest();
        Assert.Equal(("And God said", 7L, 0.5, 300, 0, 0.9, false), (request.Prompt, request.Seed, request.Temperature, request.NumChars, request.TopK, request.TopP, request.IgnoreEos));
        Assert.Null(new GenerationParameters { RandomSeed = true, Seed = 7 }.ToRequest().Seed);
        Assert.True(new GenerationParameters().ToRequest().IgnoreEos); // "always fill the length" is ignore_eos, on by default
    }

    [Fact]
    public void Defaults_and_limits_are_the_contracts()
    {
        var fresh = new GenerationParameters();
        Assert.Equal((GenerationLimits.DefaultTemperature, GenerationLimits.DefaultNumChars, GenerationLimits.DefaultTopK, GenerationLimits.DefaultTopP),
            (fresh.Temperature, fresh.NumChars, fresh.TopK, fresh.TopP));
        Assert.Equal(GenerationLimits.DefaultMaxChars, GenerationParameters.MaxCharsFor(null));
        Assert.Equal(700, GenerationParameters.MaxCharsFor(new ModelInfo("m", "llama", 1, "Q8_0", 512, 1, 1, MaxChars: 700)));
        Assert.Equal("keep me", new GenerationParameters { Prompt = "keep me", Temperature = 3 }.Reset().Prompt);
        Assert.Equal(GenerationLimits.DefaultTemperature, new GenerationParameters { Temperature = 3 }.Reset().Temperature);
    }

    [Theory]
    [InlineData(ApiFailureKind.Rejected, "num_chars", true)]
    [InlineData(ApiFailureKind.Rejected, "stop", true)]
    [InlineData(ApiFailureKind.Rejected, "messages", false)] // no control on this page: shown by the Generate button
    [InlineData(ApiFailureKind.Rejected, null, false)]
    [InlineData(ApiFailureKind.Busy, "num_chars", false)]
    public void A_refusal_is_shown_at_its_control_only_when_the_page_has_one(ApiFailureKind kind, string? field, bool atField) =>
        Assert.Equal(atField, GenerationParameters.ShownAtField(new ApiFailure(kind, "refused") { Field = field }));
}
