using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CustomGpt.ModelApi.Contracts;

/// <summary>
/// The contract's records, serialized by source generation with <see cref="ModelApiJson"/>'s conventions
/// (snake_case, nulls omitted, strict numbers): what the typed client's Refit interface sends and reads,
/// with no reflection, as Refit 17 requires.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.General,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    PropertyNameCaseInsensitive = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(GenerateResponse))]
[JsonSerializable(typeof(GenerateDelta))]
[JsonSerializable(typeof(GenerateDone))]
[JsonSerializable(typeof(GenerateError))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(TokenizeResponse))]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatResponse))]
[JsonSerializable(typeof(ChatDone))]
[JsonSerializable(typeof(KeyGenerateRequest))]
[JsonSerializable(typeof(KeyGenerateResponse))]
[JsonSerializable(typeof(KeyUpdateRequest))]
[JsonSerializable(typeof(KeyDeleteRequest))]
[JsonSerializable(typeof(KeyDeleteResponse))]
[JsonSerializable(typeof(KeyInfoResponse))]
[JsonSerializable(typeof(KeyListResponse))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(FileObject))]
[JsonSerializable(typeof(FileList))]
[JsonSerializable(typeof(FileDeleted))]
[JsonSerializable(typeof(FineTuningJobRequest))]
[JsonSerializable(typeof(FineTuningJob))]
[JsonSerializable(typeof(FineTuningJobList))]
[JsonSerializable(typeof(FineTuningEvent))]
[JsonSerializable(typeof(FineTuningEventList))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class ModelApiJsonContext : JsonSerializerContext;
