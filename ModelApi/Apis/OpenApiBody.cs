using Microsoft.OpenApi;

namespace CustomGpt.ModelApi.Apis;

static class OpenApiBody
{
    /// <summary>
    /// Documents a JSON request body. Not .Accepts&lt;T&gt;(): that makes routing answer 415 itself,
    /// without the problem details that JsonBody writes.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });
}
