using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Models;

/// <summary>
/// The models this process serves, by name, in the order of MODELS_CONFIG (then those added at run time): each local
/// model with its own <see cref="ModelHost"/> (loading, lanes, queue), each upstream with its deployments. Without
/// MODELS_CONFIG it holds the one MODEL_PATH / MODEL_URL model, which then answers to any name (as before).
/// Starts every local model's loading with the app and stops them with it.
/// </summary>
public sealed class ModelCatalog : IHostedService, IDisposable
{
    readonly ModelApiSettings settings;
    readonly IServiceProvider services;
    readonly Lock gate = new();
    /// <summary>Replaced whole under <see cref="gate"/>: readers take the list without a lock.</summary>
    volatile ServedModel[] models;
    readonly List<ModelHost> owned = [];
    readonly List<ModelHost> started = [];
    bool running, stopped;

    public ModelCatalog(ModelApiSettings settings, IServiceProvider services)
    {
        this.settings = settings;
        this.services = services;
        Router = settings.Models?.Router ?? RouterSettings.Default;
        if (settings.Models is not { } config)
        {
            models = [new LocalModel(null, services.GetRequiredService<ModelHost>(), ModelCosts.Free)];
            DefaultName = null;
            return;
        }
        // One host per file: entries that share a file (with the same lanes) share its loaded copy.
        var hosts = new Dictionary<string, ModelHost>();
        var list = new List<ServedModel>();
        foreach (var name in config.Names)
        {
            if (config.Local.FirstOrDefault(l => l.Name == name) is { } local)
            {
                if (!hosts.TryGetValue(local.Source, out var host))
                    hosts[local.Source] = host = NewHost(settings.ForLocalModel(local));
                list.Add(new LocalModel(name, host, local.Costs, local.Source));
            }
            else
            {
                list.Add(new UpstreamModel(name, [.. config.Upstreams.Where(u => u.ModelName == name)]));
            }
        }
        models = [.. list];
        DefaultName = config.DefaultModel;
    }

    /// <summary>num_retries, timeout, allowed_fails, cooldown_time and fallbacks (defaults without MODELS_CONFIG).</summary>
    public RouterSettings Router { get; }

    /// <summary>Whether a model list is configured (MODELS_CONFIG); without one, any name reaches the one model.</summary>
    public bool Configured => settings.Models is not null;

    /// <summary>Every served model, in order.</summary>
    public IReadOnlyList<ServedModel> Models => models;

    /// <summary>The served names, in order.</summary>
    public IReadOnlyList<string> Names => [.. models.Select(m => m.Name)];

    /// <summary>What answers a request without "model": DEFAULT_MODEL, else the first entry.</summary>
    public ServedModel Default => DefaultName is { } name ? models.First(m => m.Name == name) : models[0];

    string? DefaultName { get; }

    /// <summary>The local models' hosts, each once (entries sharing a file share a host).</summary>
    public IReadOnlyList<ModelHost> Hosts => [.. models.OfType<LocalModel>().Select(m => m.Host).Distinct()];

    /// <summary>The model a request names; null or empty is the default. Null when no model has that name
    /// (without MODELS_CONFIG, any name is the one model's, as before).</summary>
    public ServedModel? Find(string? name)
    {
        if (string.IsNullOrEmpty(name)) return Default;
        var list = models;
        foreach (var model in list)
            if (model.Name == name) return model;
        return Configured ? null : Default;
    }

    /// <summary>
    /// Serves the GGUF file at <paramref name="ggufPath"/> as <paramref name="name"/> from now on, with PARALLEL and
    /// CONTEXT_SIZE: it loads in the background (GET /health shows its progress) and is listed in /v1/models at once.
    /// Returns once it is listed and its loading has started. The same name and file again is a no-op (a restart
    /// re-adding what it persisted); a name already serving something else is an <see cref="InvalidOperationException"/>.
    /// </summary>
    public async Task AddLocalAsync(string name, string ggufPath, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(ggufPath);
        var path = Path.GetFullPath(ggufPath);
        if (!File.Exists(path)) throw new FileNotFoundException($"The model file for '{name}' does not exist.", path);
        ModelHost host;
        bool start;
        lock (gate)
        {
            if (stopped) throw new InvalidOperationException("The service is stopping; no model can be added.");
            if (models.FirstOrDefault(m => m.Name == name) is { } existing)
            {
                if (existing is LocalModel { Source: { } source } && source == path) return;
                throw new InvalidOperationException($"A model named '{name}' is served already.");
            }
            var local = new LocalModelSettings(name, path, settings.Parallel, settings.ContextSize, ModelCosts.Free);
            host = NewHost(settings.ForLocalModel(local));
            models = [.. models, new LocalModel(name, host, ModelCosts.Free, path, addedAtRuntime: true)];
            start = running;
            if (start) started.Add(host);
        }
        if (start) await host.StartAsync(ct);
    }

    ModelHost NewHost(ModelApiSettings modelSettings)
    {
        var host = new ModelHost(modelSettings, ModelSources.For(modelSettings, services),
            services.GetRequiredService<IHostApplicationLifetime>(), services.GetRequiredService<ILogger<ModelHost>>());
        owned.Add(host);
        return host;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        List<ModelHost> toStart;
        lock (gate)
        {
            running = true;
            toStart = [.. Hosts];
            started.AddRange(toStart);
        }
        foreach (var host in toStart) await host.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<ModelHost> toStop;
        lock (gate)
        {
            stopped = true;
            toStop = [.. started];
        }
        await Task.WhenAll(toStop.Select(h => h.StopAsync(cancellationToken)));
    }

    public void Dispose()
    {
        // The one MODEL_PATH host is the container's to dispose; the others are ours.
        lock (gate)
        {
            foreach (var host in owned) host.Dispose();
            owned.Clear();
        }
    }
}
