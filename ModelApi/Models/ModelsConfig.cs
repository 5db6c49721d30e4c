namespace CustomGpt.ModelApi.Models;

/// <summary>
/// MODELS_CONFIG, read and checked: the served names in the file's order, the local models and upstream deployments
/// behind them, the router's settings, and the default model (DEFAULT_MODEL, else the first name).
/// <see cref="MasterKey"/> and <see cref="DatabaseUrl"/> come from general_settings (the environment wins).
/// <see cref="Warnings"/> are the keys the file has that ModelApi does not use, one line each.
/// </summary>
public sealed record ModelsConfig(
    string Path,
    IReadOnlyList<string> Names,
    IReadOnlyList<LocalModelSettings> Local,
    IReadOnlyList<UpstreamDeployment> Upstreams,
    RouterSettings Router,
    string DefaultModel,
    string? MasterKey,
    string? DatabaseUrl,
    IReadOnlyList<string> Warnings);
