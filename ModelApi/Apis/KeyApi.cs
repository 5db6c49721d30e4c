using System.Text.Json;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Gateway;

namespace CustomGpt.ModelApi.Apis;

/// <summary>
/// Virtual keys, the way LiteLLM's proxy manages them: /key/generate, /key/info, /key/list,
/// /key/update, /key/delete. Master key only (the Master policy; anyone else gets 403), except that any caller may
/// ask /key/info who it is, and a virtual key may read its own info, as LiteLLM allows. The secret is returned once
/// by /key/generate; everything else names a key by its key name ("sk-" and its first characters).
/// </summary>
public static class KeyApi
{
    const int MaxAliasLength = 100, MaxModels = 32, MaxModelLength = 200, MaxMetadataChars = 4096, MaxMetadataDepth = 8;

    public static IEndpointRouteBuilder MapKeyApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/key").WithTags("Keys").AddEndpointFilter(DatabaseOutage)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        // Any caller may ask about itself; the handler lets only the master key ask about another key.
        keys.MapGet("/info", Info).RequireAuthorization(GatewayPolicies.Callers).Produces<KeyInfoResponse>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("KeyInfo").WithSummary("A key's settings and usage (?key= the secret or the key name); without ?key=, who the calling key is (its role, and a virtual key's own info).");
        var admin = keys.MapGroup("").RequireAuthorization(GatewayPolicies.Master);
        admin.MapPost("/generate", Generate).WithJsonBody<KeyGenerateRequest>().Produces<KeyGenerateResponse>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("GenerateKey").WithSummary("Makes a virtual key with optional alias, expiry and limits; the secret is shown only here.");
        admin.MapGet("/list", List).Produces<KeyListResponse>()
            .WithName("ListKeys").WithSummary("Every key's settings and usage, without secrets.");
        admin.MapPost("/update", Update).WithJsonBody<KeyUpdateRequest>().Produces<KeyInfoResponse>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).WithName("UpdateKey")
            .WithSummary("Changes a key's alias, expiry, limits or models (null takes one away), or blocks and unblocks it.");
        admin.MapPost("/delete", Delete).WithJsonBody<KeyDeleteRequest>().Produces<KeyDeleteResponse>().ProducesValidationProblem()
            .WithName("DeleteKeys").WithSummary("Deletes keys (secrets or key names); they are refused from then on.");
        return app;
    }

    /// <summary>503 when the key database does not answer.</summary>
    static async ValueTask<object?> DatabaseOutage(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e))
        {
            var database = context.HttpContext.RequestServices.GetRequiredService<KeyDatabase>();
            database.Failed(e);
            return ModelUnavailable.Database(context.HttpContext, database.Problem);
        }
    }

    static async Task<IResult> Generate(HttpContext http, KeyDatabase database, TimeProvider time)
    {
        var (request, error) = await JsonBody.ReadAsync<KeyGenerateRequest>(http.Request);
        if (error is not null) return error;
        var r = request!;
        if (Invalid(r) is { } invalid) return invalid;
        var (secret, keyId) = KeySecret.New();
        var now = time.GetUtcNow();
        var key = new KeyRow
        {
            KeyId = keyId, KeyHash = KeySecret.Hash(secret), KeyAlias = r.KeyAlias, Created = now.ToUnixTimeSeconds(),
            Expires = ExpiresAt(r.Duration, now), RpmLimit = r.RpmLimit, TpmLimit = r.TpmLimit, TokenBudget = r.TokenBudget,
            Models = Json(r.Models), Metadata = Json(r.Metadata), MaxBudget = r.MaxBudget,
        };
        if (!await database.Store!.InsertAsync(key)) return AliasTaken(r.KeyAlias!);
        return TypedResults.Ok(new KeyGenerateResponse(secret, keyId, key.KeyAlias, Time(key.Expires), key.RpmLimit, key.TpmLimit,
            key.TokenBudget, r.Models, r.Metadata, key.MaxBudget));
    }

    static async Task<IResult> Info(HttpContext http, string? key, KeyDatabase database)
    {
        var caller = Caller.Of(http)!;
        if (string.IsNullOrEmpty(key))
        {
            // "Who am I": the role, and a virtual key's own settings and usage.
            if (!caller.IsVirtualKey) return TypedResults.Ok(new KeyInfoResponse(null, null, caller.Role));
            key = caller.KeyId!;
        }
        else if (caller.Role != KeyRoles.Master && !(caller.IsVirtualKey && IdOf(key) == caller.KeyId))
        {
            RequestUsage.Of(http)?.Rejected(ProblemCodes.MasterKeyRequired);
            return CodedProblem.Of(StatusCodes.Status403Forbidden, ProblemCodes.MasterKeyRequired, "Forbidden", "Only the master key (MASTER_KEY) may read another key's info.");
        }
        if (database.Store is null) return NotFound();
        return await FindAsync(database, key) is { } row
            ? TypedResults.Ok(new KeyInfoResponse(row.KeyId, InfoOf(row, await database.Store.ModelUsageAsync(row.KeyId))))
            : NotFound();
    }

    static async Task<IResult> List(KeyDatabase database)
    {
        var keys = await database.Store!.ListAsync();
        var models = (await database.Store.ModelUsageAsync(null)).ToLookup(u => u.KeyId);
        return TypedResults.Ok(new KeyListResponse([.. keys.Select(k => InfoOf(k, [.. models[k.KeyId]]))]));
    }

    static async Task<IResult> Update(HttpContext http, KeyDatabase database, VerifiedKeys verified, TimeProvider time)
    {
        http.Request.EnableBuffering(); // read twice: once typed, once for the fields sent as null
        var (r, error) = await JsonBody.ReadAsync<KeyUpdateRequest>(http.Request);
        if (error is not null) return error;
        if (string.IsNullOrEmpty(r!.Key)) return JsonBody.Invalid("key", "'key' (the secret or the key name) is required.");
        if (Invalid(r) is { } invalid) return invalid;
        var removed = await NullFieldsAsync(http.Request);
        bool Removes(KeySetting setting) => removed.Contains(KeySettingNames.Of(setting));
        if (await FindAsync(database, r.Key) is not { } row) return NotFound();
        row.KeyAlias = Removes(KeySetting.KeyAlias) ? null : r.KeyAlias ?? row.KeyAlias;
        row.Expires = Removes(KeySetting.Duration) ? null : r.Duration is null ? row.Expires : ExpiresAt(r.Duration, time.GetUtcNow());
        row.RpmLimit = Removes(KeySetting.RpmLimit) ? null : r.RpmLimit ?? row.RpmLimit;
        row.TpmLimit = Removes(KeySetting.TpmLimit) ? null : r.TpmLimit ?? row.TpmLimit;
        row.TokenBudget = Removes(KeySetting.TokenBudget) ? null : r.TokenBudget ?? row.TokenBudget;
        row.MaxBudget = Removes(KeySetting.MaxBudget) ? null : r.MaxBudget ?? row.MaxBudget;
        row.Models = Removes(KeySetting.Models) ? null : r.Models is null ? row.Models : Json(r.Models);
        row.Metadata = Removes(KeySetting.Metadata) ? null : r.Metadata is null ? row.Metadata : Json(r.Metadata);
        row.Blocked = r.Blocked is { } blocked ? (blocked ? 1 : 0) : row.Blocked;
        if (!await database.Store!.UpdateSettingsAsync(row)) return AliasTaken(row.KeyAlias!);
        verified.Forget(row.KeyHash);
        return TypedResults.Ok(new KeyInfoResponse(row.KeyId, InfoOf(row, await database.Store.ModelUsageAsync(row.KeyId))));
    }

    static async Task<IResult> Delete(HttpContext http, KeyDatabase database, VerifiedKeys verified)
    {
        var (r, error) = await JsonBody.ReadAsync<KeyDeleteRequest>(http.Request);
        if (error is not null) return error;
        if (r!.Keys is not { Count: > 0 } keys || keys.Any(string.IsNullOrEmpty))
            return JsonBody.Invalid("keys", "'keys' must list at least one key (secret or key name).");
        var deleted = await database.Store!.DeleteAsync([.. keys.Select(IdOf).Distinct()]);
        foreach (var row in deleted) verified.Forget(row.KeyHash);
        return TypedResults.Ok(new KeyDeleteResponse([.. deleted.Select(d => d.KeyId)]));
    }

    /// <summary>The checks /key/generate and /key/update share, each naming its field.</summary>
    static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem? Invalid(KeySettings r)
    {
        var (alias, duration, models, metadata) = (r.KeyAlias, r.Duration, r.Models, r.Metadata);
        var errors = new Dictionary<string, string[]>();
        if (alias is { Length: 0 or > MaxAliasLength }) errors["key_alias"] = [$"'key_alias' must have 1 to {MaxAliasLength} characters."];
        if (duration is not null && KeyDuration.Parse(duration) is null)
            errors["duration"] = ["'duration' must be a whole number and s, m, h or d, e.g. \"30s\", \"15m\", \"12h\", \"30d\"."];
        foreach (var (field, value) in new[] { ("rpm_limit", r.RpmLimit), ("tpm_limit", r.TpmLimit), ("token_budget", r.TokenBudget) })
            if (value is < 1) errors[field] = [$"'{field}' must be at least 1 (leave it out for no limit)."];
        if (r.MaxBudget is { } most && (!double.IsFinite(most) || most <= 0))
            errors["max_budget"] = ["'max_budget' must be more than 0, in the currency of the models' costs (leave it out for no limit)."];
        if (models is not null && (models.Count > MaxModels || models.Any(m => string.IsNullOrEmpty(m) || m.Length > MaxModelLength)))
            errors["models"] = [$"'models' may list up to {MaxModels} names of 1 to {MaxModelLength} characters."];
        if (metadata is { } m && (m.ValueKind != JsonValueKind.Object || m.GetRawText().Length > MaxMetadataChars || Depth(m) > MaxMetadataDepth))
            errors["metadata"] = [$"'metadata' must be a JSON object of at most {MaxMetadataChars} characters, nested at most {MaxMetadataDepth} levels deep."];
        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors, title: "The request is not valid.");
    }

    /// <summary>Levels of objects and arrays: {} is 1, {"a":[1]} is 2. A deeper record once made /key/list fail for every key.</summary>
    static int Depth(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => 1 + e.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + e.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    /// <summary>409 when another key has <paramref name="alias"/> already (LiteLLM refuses them too): aliases name keys in the Keys page and in logs.</summary>
    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult AliasTaken(string alias) =>
        CodedProblem.Of(StatusCodes.Status409Conflict, ProblemCodes.KeyAliasTaken, "Alias taken", $"Another key has the key_alias '{alias}': choose another one.");

    /// <summary>The fields the body sets to null: LiteLLM's way of taking a setting away.</summary>
    static async Task<HashSet<string>> NullFieldsAsync(HttpRequest request)
    {
        request.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        return [.. body.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Null).Select(p => p.Name)];
    }

    static async Task<KeyRow?> FindAsync(KeyDatabase database, string key) =>
        KeySecret.LooksLikeSecret(key) ? await database.Store!.FindByHashAsync(KeySecret.Hash(key)) : await database.Store!.FindByIdAsync(key);

    /// <summary>A key name as given, or the name of a secret.</summary>
    static string IdOf(string key) => KeySecret.LooksLikeSecret(key) ? KeySecret.IdOf(key) : key;

    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound() =>
        CodedProblem.Of(StatusCodes.Status404NotFound, ProblemCodes.KeyUnknown, "No such key", "No key has this secret or key name.");

    static KeyInfo InfoOf(KeyRow k, IReadOnlyList<ModelUsageRow> models) => new(k.KeyId, k.KeyAlias, DateTimeOffset.FromUnixTimeSeconds(k.Created), Time(k.Expires), k.Blocked != 0,
        k.RpmLimit, k.TpmLimit, k.TokenBudget,
        k.ModelNames,
        k.Metadata is null ? null : JsonSerializer.Deserialize<JsonElement>(k.Metadata),
        new KeyUsage(k.Requests, k.PromptTokens, k.CompletionTokens, k.SpendTokens, Time(k.LastUsed), k.ReservedTokens, k.Spend,
            models.ToDictionary(m => m.Model, m => new ModelUsage(m.Requests, m.PromptTokens, m.CompletionTokens, m.Spend))),
        k.MaxBudget);

    static long? ExpiresAt(string? duration, DateTimeOffset now) =>
        duration is null ? null : (now + KeyDuration.Parse(duration)!.Value).ToUnixTimeSeconds();

    static DateTimeOffset? Time(long? unixSeconds) => unixSeconds is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    static string? Json<T>(T? value) => value is null ? null : JsonSerializer.Serialize(value);
}
