using System.Text.Json.Nodes;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// /v1/chat/completions and /v1/completions for an upstream model: the request goes on as the caller sent it (its
/// "model" set to the deployment's), the answer comes back in OpenAI's shape with "model" the name the caller asked for,
/// a stream relayed chunk by chunk as it arrives (each flushed). Usage is the upstream's; when it gives none, an estimate
/// marked "estimated": true in the usage object and, for a whole answer, the <see cref="EstimatedHeader"/> header.
/// </summary>
public static class OpenAiRelay
{
    public const string EstimatedHeader = "x-customgpt-usage-estimated";

    public static async Task<ModelAnswer> ForwardAsync(HttpContext http, UpstreamForwarder forwarder, string model, UpstreamRoute route, JsonObject body)
    {
        var stream = body["stream"] is JsonValue s && s.TryGetValue<bool>(out var b) && b;
        var callerWantsUsage = body["stream_options"]?["include_usage"] is JsonValue u && u.TryGetValue<bool>(out var w) && w;
        var prompt = UpstreamUsage.PromptText(body);
        var call = await forwarder.SendAsync(model, route, body, stream, http.RequestAborted);
        if (await UpstreamFailures.FailedAsync(call, http.RequestAborted) is { } failed) return failed;
        return ModelAnswer.Ok(stream
            ? new StreamRelay(call, forwarder.Time, prompt, callerWantsUsage)
            : new JsonRelay(call, prompt));
    }

    static string? FinishReason(JsonObject answer) =>
        answer["choices"] is JsonArray { Count: > 0 } choices ? choices[0]?["finish_reason"]?.ToString() : null;

    sealed class JsonRelay(UpstreamCall call, string prompt) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            using var _ = call;
            JsonObject? answer;
            try
            {
                answer = JsonNode.Parse(await call.Response!.Content.ReadAsStringAsync(http.RequestAborted)) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                answer = null;
            }
            if (answer is null)
            {
                await CodedProblem.Of(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamFailed, "The model failed.",
                    $"The model '{call.Model}' answered with something that is not an OpenAI answer.").ExecuteAsync(http);
                return;
            }
            answer["model"] = call.Model;
            var usage = UpstreamUsage.From(answer["usage"]);
            if (usage is null)
            {
                usage = UpstreamUsage.Estimate(prompt, UpstreamUsage.AnswerText(answer));
                answer["usage"] = usage.Value.ToJson();
                http.Response.Headers[EstimatedHeader] = "true";
            }
            UpstreamUsed.Record(http, call, usage.Value, FinishReason(answer));
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(answer.ToJsonString(), http.RequestAborted);
        }
    }

    sealed class StreamRelay(UpstreamCall call, TimeProvider time, string prompt, bool callerWantsUsage) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            using var _ = call;
            var response = http.Response;
            var ct = http.RequestAborted;
            var chunks = new UpstreamChunks(call, time);
            JsonObject? last = null;
            string? finish = null;
            try
            {
                await foreach (var chunk in chunks.ReadAsync(ct))
                {
                    last = chunk;
                    chunk["model"] = call.Model;
                    finish = FinishReason(chunk) ?? finish;
                    if (!callerWantsUsage && chunk.Remove("usage") && chunk["choices"] is JsonArray { Count: 0 }) continue;
                    if (!response.HasStarted) Start(response);
                    await response.WriteAsync($"data: {chunk.ToJsonString()}\n\n", ct);
                    await response.Body.FlushAsync(ct);
                }
                var usage = chunks.Usage ?? UpstreamUsage.Estimate(prompt, chunks.Text);
                UpstreamUsed.Record(http, call, usage, finish);
                if (!response.HasStarted) Start(response);
                if (callerWantsUsage && chunks.Usage is null)
                {
                    var closing = new JsonObject
                    {
                        ["id"] = last?["id"]?.DeepClone(), ["object"] = last?["object"]?.DeepClone(), ["created"] = last?["created"]?.DeepClone(),
                        ["model"] = call.Model, ["choices"] = new JsonArray(), ["usage"] = usage.ToJson(),
                    };
                    await response.WriteAsync($"data: {closing.ToJsonString()}\n\n", ct);
                }
                await response.WriteAsync("data: [DONE]\n\n", ct);
                await response.Body.FlushAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                UpstreamUsed.Record(http, call, UpstreamUsage.Estimate(prompt, chunks.Text), "cancelled");
            }
            catch (UpstreamStreamBrokeException e)
            {
                UpstreamUsed.Record(http, call, chunks.Usage ?? UpstreamUsage.Estimate(prompt, chunks.Text), "error");
                var detail = $"The model '{call.Model}' stopped answering: {e.Message}.";
                if (!response.HasStarted)
                {
                    // Nothing went out yet: a plain 502 instead of an event stream that only says it failed.
                    await CodedProblem.Of(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamFailed, "The model failed.", detail).ExecuteAsync(http);
                    return;
                }
                var error = new JsonObject { ["error"] = new JsonObject { ["message"] = detail, ["type"] = "server_error", ["code"] = ProblemCodes.UpstreamFailed } };
                await response.WriteAsync($"event: error\ndata: {error.ToJsonString()}\n\n", ct);
                await response.Body.FlushAsync(ct);
            }
        }

        static void Start(HttpResponse response)
        {
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold chunks back
        }
    }
}
