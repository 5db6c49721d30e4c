using System.Collections.Concurrent;
using CustomGpt.ModelApi.Models;
using Polly;
using Polly.Fallback;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// litellm_settings.fallbacks: when a model's answer fails in a way its fallbacks are for (<see cref="ModelAnswer.FallsBack"/>:
/// every deployment failed, timed out or was rate limited), the next name in its list answers instead, in order, local
/// or upstream alike. One Polly pipeline of fallback strategies per model name; how a name is answered is the caller's
/// (passed in the ResilienceContext), so the same chain serves every route.
/// </summary>
public sealed class ModelFallbacks(RouterSettings router, TimeProvider time, ILogger<ModelFallbacks> logger)
{
    public delegate Task<ModelAnswer> Answer(string model, CancellationToken ct);

    static readonly ResiliencePropertyKey<Answer> AnswerKey = new("customgpt.fallbacks.answer");
    readonly ConcurrentDictionary<string, ResiliencePipeline<ModelAnswer>> pipelines = new(StringComparer.Ordinal);

    /// <summary>The names tried after <paramref name="model"/>, in order.</summary>
    public IReadOnlyList<string> For(string model) => router.Fallbacks.TryGetValue(model, out var names) ? names : [];

    public async Task<ModelAnswer> AnswerAsync(string model, Answer answer, CancellationToken ct)
    {
        if (For(model).Count == 0) return await answer(model, ct);
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(AnswerKey, answer);
        try
        {
            return await pipelines.GetOrAdd(model, Build).ExecuteAsync(
                static async (ctx, name) => await ctx.Properties.GetValue(AnswerKey, null!)(name, ctx.CancellationToken), context, model);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Strategies are added outermost first, so the last fallback goes in first: the first one runs first.</summary>
    ResiliencePipeline<ModelAnswer> Build(string model)
    {
        var builder = new ResiliencePipelineBuilder<ModelAnswer> { TimeProvider = time };
        foreach (var name in For(model).Reverse())
        {
            builder.AddFallback(new FallbackStrategyOptions<ModelAnswer>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { FallsBack: true }),
                FallbackAction = async args =>
                {
                    logger.LogWarning("Model {Model} failed; falling back to {Fallback}", model, name);
                    UpstreamMetrics.FellBack(model, name);
                    return Outcome.FromResult(await args.Context.Properties.GetValue(AnswerKey, null!)(name, args.Context.CancellationToken));
                },
            });
        }
        return builder.Build();
    }
}
