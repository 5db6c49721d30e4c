using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// /generate and /chat for an upstream model: the request goes to the upstream as a completions (or chat completions)
/// request, and its answer comes back in this API's shapes (GenerateResponse / ChatResponse, or the delta, done and
/// error events), so the Dashboard can use a hosted model. An upstream has no num_chars: it asks for at most num_chars
/// tokens and the text is cut at num_chars characters. It does not say which seed it used: the seed reported is the
/// one sent (0 when none). Timings are as seen from here (time to the first piece, and the whole).
/// </summary>
static class OwnApiRelay
{
    /// <summary>What the answer needs besides the upstream's words: the conversation for /chat (null for /generate).</summary>
    public sealed record Shape(long Seed, int? NumChars, IReadOnlyList<ChatTurn>? HistoryBefore, string? UserPrompt);

    public static async Task<ModelAnswer> ForwardAsync(HttpContext http, UpstreamForwarder forwarder, string model, UpstreamRoute route, JsonObject body, bool stream, Shape shape)
    {
        var started = Stopwatch.GetTimestamp();
        var prompt = UpstreamUsage.PromptText(body);
        var call = await forwarder.SendAsync(model, route, body, stream, http.RequestAborted);
        if (await UpstreamFailures.FailedAsync(call, http.RequestAborted) is { } failed) return failed;
        return ModelAnswer.Ok(stream ? new Stream(call, forwarder.Time, prompt, shape, started) : new Whole(call, prompt, shape, started));
    }

    static string Finish(string? openAi) => openAi == "length" ? FinishReasons.Length : FinishReasons.Stop;

    static Timings Timings(long started, long firstAt, int completionTokens)
    {
        var total = Stopwatch.GetElapsedTime(started);
        var generating = Stopwatch.GetElapsedTime(firstAt == 0 ? started : firstAt).TotalSeconds;
        return new Timings(Stopwatch.GetElapsedTime(started, firstAt == 0 ? Stopwatch.GetTimestamp() : firstAt).TotalMilliseconds, 0,
            completionTokens > 1 && generating > 0 ? (completionTokens - 1) / generating : 0, total.TotalMilliseconds);
    }

    static IReadOnlyList<ChatTurn> After(Shape shape, string reply) => [.. shape.HistoryBefore!, new ChatTurn("user", shape.UserPrompt), new ChatTurn("assistant", reply)];

    sealed class Whole(UpstreamCall call, string prompt, Shape shape, long started) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            using var _ = call;
            JsonObject? answer = null;
            try
            {
                answer = JsonNode.Parse(await call.Response!.Content.ReadAsStringAsync(http.RequestAborted)) as JsonObject;
            }
            catch (JsonException)
            {
                // answered below
            }
            if (answer is null)
            {
                await CodedProblem.Of(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamFailed, "The model failed.",
                    $"The model '{call.Model}' answered with something that is not an OpenAI answer.").ExecuteAsync(http);
                return;
            }
            var text = UpstreamUsage.AnswerText(answer);
            var finish = Finish(answer["choices"] is JsonArray { Count: > 0 } c ? c[0]?["finish_reason"]?.ToString() : null);
            if (shape.NumChars is { } n && text.Length > n) (text, finish) = (text[..n], FinishReasons.Length);
            var usage = UpstreamUsage.From(answer["usage"]) ?? UpstreamUsage.Estimate(prompt, text);
            if (usage.Estimated) http.Response.Headers[OpenAiRelay.EstimatedHeader] = "true";
            UpstreamUsed.Record(http, call, usage, finish);
            var used = new Usage(usage.PromptTokens, usage.CompletionTokens);
            var timings = Timings(started, 0, usage.CompletionTokens);
            IResult result = shape.HistoryBefore is null
                ? TypedResults.Ok(new GenerateResponse(text, shape.Seed, finish, used, timings))
                : TypedResults.Ok(new ChatResponse(text, After(shape, text), finish, used, timings, shape.Seed));
            await result.ExecuteAsync(http);
        }
    }

    sealed class Stream(UpstreamCall call, TimeProvider time, string prompt, Shape shape, long started) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            using var _ = call;
            var response = http.Response;
            var ct = http.RequestAborted;
            var chunks = new UpstreamChunks(call, time);
            var text = new System.Text.StringBuilder();
            string? finish = null;
            long firstAt = 0;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            try
            {
                await foreach (var chunk in chunks.ReadAsync(ct))
                {
                    if (chunk["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["finish_reason"] is JsonValue f) finish = Finish(f.ToString());
                    var piece = UpstreamUsage.AnswerText(chunk);
                    if (shape.NumChars is { } n && text.Length + piece.Length >= n)
                    {
                        piece = piece[..(n - text.Length)];
                        finish = FinishReasons.Length;
                    }
                    if (piece.Length > 0)
                    {
                        if (firstAt == 0) firstAt = Stopwatch.GetTimestamp();
                        text.Append(piece);
                        await Write(response, "delta", new GenerateDelta(piece), ct);
                        await response.Body.FlushAsync(ct);
                    }
                    if (finish == FinishReasons.Length && shape.NumChars is { } m && text.Length >= m) break;
                }
                var usage = chunks.Usage ?? UpstreamUsage.Estimate(prompt, text.ToString());
                finish ??= FinishReasons.Stop;
                UpstreamUsed.Record(http, call, usage, finish);
                var used = new Usage(usage.PromptTokens, usage.CompletionTokens);
                var timings = Timings(started, firstAt, usage.CompletionTokens);
                var reply = text.ToString();
                await (shape.HistoryBefore is null
                    ? Write(response, "done", new GenerateDone(shape.Seed, finish, used, timings), ct)
                    : Write(response, "done", new ChatDone(shape.Seed, finish, used, timings, reply, After(shape, reply)), ct));
                await response.Body.FlushAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                UpstreamUsed.Record(http, call, UpstreamUsage.Estimate(prompt, text.ToString()), "cancelled");
            }
            catch (UpstreamStreamBrokeException e)
            {
                UpstreamUsed.Record(http, call, chunks.Usage ?? UpstreamUsage.Estimate(prompt, text.ToString()), "error");
                await Write(response, "error", new GenerateError($"The model '{call.Model}' stopped answering: {e.Message}.", ProblemCodes.UpstreamFailed), ct);
                await response.Body.FlushAsync(ct);
            }
        }

        static Task Write<T>(HttpResponse response, string name, T data, CancellationToken ct) =>
            response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, ModelApiJson.Options)}\n\n", ct);
    }
}
