using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Models;
using CustomGpt.ModelApi.Upstreams;

namespace CustomGpt.ModelApi.Apis;

public static class TokenizeApi
{
    const int MaxTextLength = 1 << 20;

    public static IEndpointRouteBuilder MapTokenizeApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/tokenize", Tokenize)
            .WithJsonBody<TokenizeRequest>()
            .Produces<TokenizeResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("Tokenize")
            .WithSummary("Splits text into the model's tokens, as a prompt would be.");
        return app;
    }

    static async Task<IResult> Tokenize(HttpContext http, ModelCatalog catalog)
    {
        var (request, error) = await JsonBody.ReadAsync<TokenizeRequest>(http.Request);
        if (error is not null) return error;
        if (request!.Text is null) return JsonBody.Invalid("text", "'text' is required.");
        if (request.Text.Length > MaxTextLength) return JsonBody.Invalid("text", $"'text' may be at most {MaxTextLength} characters.");
        var (served, refused) = ModelRouting.Resolve(http, catalog, request.Model);
        if (served is null) return refused!;
        if (served is UpstreamModel upstream) return await UpstreamRoutes.TokenizeAsync(http, upstream, request);
        var status = ((LocalModel)served).Host.Status;
        if (status is not { Model: not null }) return ModelUnavailable.For(status, http);
        var tokens = status.Model.Tokenize(request.Text, addSpecial: false);
        // Tokenizing costs CPU: the tokens count against the key's tpm_limit (not its budget) when the request ends.
        Gateway.RequestUsage.Of(http)?.Tokenized(tokens.Length);
        return TypedResults.Ok(new TokenizeResponse(tokens, tokens.Length));
    }
}
