using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Models;

/// <summary>A name clients send as "model": served here (<see cref="LocalModel"/>) or forwarded (<see cref="UpstreamModel"/>).</summary>
public abstract class ServedModel
{
    public abstract string Name { get; }
    /// <summary>One of <see cref="ModelKinds"/>.</summary>
    public abstract string Kind { get; }
    /// <summary>/v1/models' owned_by: "customgpt" here, the provider upstream.</summary>
    public abstract string OwnedBy { get; }
    /// <summary>What a token costs (model_info); for an upstream, the dearest of its deployments (what a request reserves).</summary>
    public abstract ModelCosts Costs { get; }
}

/// <summary>A GGUF file loaded here, with its own <see cref="ModelHost"/> (loading state, lanes, queue).</summary>
public sealed class LocalModel(string? name, ModelHost host, ModelCosts costs, string? source = null, bool addedAtRuntime = false) : ServedModel
{
    public const string Owner = "customgpt";

    public ModelHost Host { get; } = host;

    /// <summary>The configured name; without MODELS_CONFIG the model's own name (general.name, else the file's), as before.</summary>
    public override string Name => name ?? Host.Status.Info?.Name ?? (Source is null ? "model" : Path.GetFileNameWithoutExtension(Source));

    public override string Kind => ModelKinds.Local;
    public override string OwnedBy => Owner;
    public override ModelCosts Costs { get; } = costs;

    /// <summary>Where the file came from (a path, an https:// or gs:// address); null for MODEL_PATH/MODEL_URL.</summary>
    public string? Source { get; } = source;

    /// <summary>Added with <see cref="ModelCatalog.AddLocalAsync"/> (a fine-tuned model): its state shows in /health's
    /// models, but does not decide the instance's own status (a bad new file must not take the instance out).</summary>
    public bool AddedAtRuntime { get; } = addedAtRuntime;
}

/// <summary>An OpenAI-compatible model behind one or more deployments (balanced, retried, cooled down by Upstreams/).</summary>
public sealed class UpstreamModel(string name, IReadOnlyList<UpstreamDeployment> deployments) : ServedModel
{
    public override string Name { get; } = name;
    public IReadOnlyList<UpstreamDeployment> Deployments { get; } = deployments;
    public override string Kind => ModelKinds.Upstream;
    /// <summary>The provider prefix of litellm_params.model ("openai").</summary>
    public override string OwnedBy => "openai";
    public override ModelCosts Costs { get; } = new(deployments.Max(d => d.Costs.InputPerToken), deployments.Max(d => d.Costs.OutputPerToken));
}
