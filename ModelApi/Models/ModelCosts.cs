namespace CustomGpt.ModelApi.Models;

/// <summary>LiteLLM's model_info costs, in currency per token. Local models cost nothing unless configured.</summary>
public sealed record ModelCosts(double InputPerToken, double OutputPerToken)
{
    public static readonly ModelCosts Free = new(0, 0);

    public double Of(long promptTokens, long completionTokens) => promptTokens * InputPerToken + completionTokens * OutputPerToken;
}
