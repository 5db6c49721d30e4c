using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Gateway;

namespace CustomGpt.ModelApi.Models;

/// <summary>
/// Which model answers a request: the "model" it names (absent: the default), 404 model_not_found when no served
/// model has that name (naming those the key may use), 403 model_not_allowed when the key may not use it. Every
/// route that reaches a model goes through here first, so none passes unchecked. The name goes to the access log.
/// </summary>
public static class ModelRouting
{
    public static (ServedModel? Model, IResult? Problem) Resolve(HttpContext http, ModelCatalog catalog, string? requested)
    {
        var model = catalog.Find(requested);
        var usage = RequestUsage.Of(http);
        if (model is null)
        {
            usage?.Rejected(ProblemCodes.ModelNotFound);
            var known = catalog.Names.Where(n => ModelAccess.Allows(http, n)).Select(n => $"'{n}'").ToList();
            return (null, CodedProblem.Of(StatusCodes.Status404NotFound, ProblemCodes.ModelNotFound, "Model not found",
                $"No model is named '{requested}'; " + (known.Count == 0 ? "this key may use none of the served models." : $"the models are {string.Join(", ", known)}.")));
        }
        // One model still loading has no name yet: the route answers 503 loading before any work, as before.
        if (!catalog.Configured && model is LocalModel { Host.Status.Info: null }) return (model, null);
        usage?.ForModel(model);
        return ModelAccess.Refusal(http, model.Name, oneModel: !catalog.Configured) is { } refused ? (null, refused) : (model, null);
    }
}
