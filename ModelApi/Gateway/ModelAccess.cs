using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// A virtual key made with "models" may use only those models, as in LiteLLM, checked by model name on every route
/// (several instances may share one key database and serve different models). <see cref="Models.ModelRouting"/>
/// checks it for the model a request resolves to, before any work.
/// </summary>
public static class ModelAccess
{
    /// <summary>LiteLLM's name for "every model", accepted in a key's list.</summary>
    public const string AllModels = "all-proxy-models";

    /// <summary>The key's list, or null when it may use any model (no list, an empty one, or <see cref="AllModels"/>).</summary>
    public static IReadOnlyList<string>? AllowedBy(KeyRow key)
    {
        var models = key.ModelNames;
        return models is null or { Length: 0 } || models.Contains(AllModels) ? null : models;
    }

    public static bool Allows(HttpContext http, string model) =>
        Caller.Of(http)?.AllowedModels is not { } allowed || allowed.Contains(model);

    /// <summary>403 naming what the key may use, or null when it may use <paramref name="model"/>.</summary>
    public static IResult? Refusal(HttpContext http, string model, bool oneModel = true)
    {
        if (Allows(http, model)) return null;
        var caller = Caller.Of(http)!;
        RequestUsage.Of(http)?.Rejected(ProblemCodes.ModelNotAllowed);
        // With one model the key could not have asked for another: say what this instance serves.
        var what = oneModel ? $"this service serves '{model}'" : $"not '{model}'";
        return CodedProblem.Of(StatusCodes.Status403Forbidden, ProblemCodes.ModelNotAllowed, "Forbidden",
            $"The key {caller.KeyId} may use the models {string.Join(", ", caller.AllowedModels!.Select(m => $"'{m}'"))}; {what}.");
    }
}
