namespace CustomGpt.ModelApi.Client;

/// <summary>What <see cref="ModelApiChatClient"/> throws when ModelApi could not answer: the abstraction
/// (<see cref="Microsoft.Extensions.AI.IChatClient"/>) reports failures as exceptions; <see cref="Failure"/> is
/// the same typed failure <see cref="ModelApiClient"/> returns, and the message is its sentence.</summary>
public sealed class ModelApiException(ApiFailure failure) : Exception(failure.Message)
{
    public ApiFailure Failure { get; } = failure;
}
