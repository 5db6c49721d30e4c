using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Hosting.CloudStorage;
using CustomGpt.ServiceDefaults;

namespace CustomGpt.ModelApi.Hosting;

/// <summary>Everything ModelApi reads from the environment, with its defaults. Read once at start.</summary>
public sealed partial record ModelApiSettings
{
    /// <summary>Cloud Run sets PORT; 8080 otherwise.</summary>
    public int Port { get; init; } = 8080;
    /// <summary>127.0.0.1 unless told otherwise: containers set HOST=0.0.0.0.</summary>
    public string Host { get; init; } = "127.0.0.1";
    public required string ModelPath { get; init; }
    /// <summary>When set, the model is downloaded from here at start instead of read from <see cref="ModelPath"/>.</summary>
    public Uri? ModelUrl { get; init; }
    /// <summary>When set (MODEL_URL=gs://bucket/object), the model is downloaded at start from this object in a
    /// private Cloud Storage bucket, as the service's own identity.</summary>
    public CloudStorageObject? ModelObject { get; init; }
    /// <summary>GCE_METADATA_HOST: where the access token for <see cref="ModelObject"/> comes from.</summary>
    public string MetadataHost { get; init; } = GoogleEndpoints.MetadataHost;
    /// <summary>STORAGE_EMULATOR_HOST: the Cloud Storage JSON API's address.</summary>
    public Uri StorageEndpoint { get; init; } = GoogleEndpoints.Storage;
    /// <summary>The expected SHA-256 (hex) of the file at <see cref="ModelUrl"/> or <see cref="ModelObject"/>.</summary>
    public string? ModelSha256 { get; init; }
    public string ModelCacheDirectory { get; init; } = DefaultCacheDirectory;
    /// <summary>On SIGTERM, running generations get this long to finish before they are cancelled.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(8);
    public string? ApiKey { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Sequences decoded together in one context (continuous batching).</summary>
    public int Parallel { get; init; } = 4;
    /// <summary>Positions per sequence; null means the model's trained context, capped at 4096.</summary>
    public int? ContextSize { get; init; }
    /// <summary>Requests that may wait for a free sequence; beyond that the answer is 503.</summary>
    public int MaxQueue { get; init; } = 64;
    /// <summary>The largest num_chars a request may ask for.</summary>
    public int MaxChars { get; init; } = GenerationLimits.DefaultMaxChars;
    public int BatchSize { get; init; } = 512;
    /// <summary>THREAD_POLL: llama.cpp's compute threads stay between decodes and spin this long (0–100) before they sleep.</summary>
    public int ThreadPoll { get; init; } = 50;
    /// <summary>MODEL_MMAP, MODEL_REPACK: how the weights come into memory (docs/performance.md "Memory").</summary>
    public ModelLoadOptions Load { get; init; } = new();
    /// <summary>KV_CACHE_TYPE: f16 (default), q8_0 or q4_0.</summary>
    public KvCacheType KvCache { get; init; } = KvCacheType.F16;
    /// <summary>FLASH_ATTENTION: auto (llama.cpp turns it on on the CPU).</summary>
    public FlashAttention FlashAttention { get; init; } = FlashAttention.Auto;
    /// <summary>MODELS_CONFIG (LiteLLM's config.yaml), read and checked; null serves MODEL_PATH / MODEL_URL alone, as before.</summary>
    public Models.ModelsConfig? Models { get; init; }
    /// <summary>MEMORY_LIMIT_MB: the memory the local models must fit in; null reads the container's (cgroup v2 memory.max).</summary>
    public long? MemoryLimitBytes { get; init; }
    /// <summary>Browser origins allowed to call the API (CORS); none by default.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];
    /// <summary>Prompt text appears in logs only when this is on.</summary>
    public bool LogPrompts { get; init; }
    /// <summary>Reuse the KV cells of a sequence whose earlier prompt shares a prefix with a new one (on by default).</summary>
    public bool PromptCache { get; init; } = true;
    /// <summary>The system message /chat sends when a request has no system_prompt; none by default.</summary>
    public string? DefaultSystemPrompt { get; init; }

    // Gateway: virtual keys, limits, access logs (docs/gateway.md).
    /// <summary>The operator's key; when set, callers use virtual keys made with /key/generate.</summary>
    public string? MasterKey { get; init; }
    /// <summary>A scraper's key that reads GET /metrics and nothing else; null for none.</summary>
    public string? MetricsToken { get; init; }
    /// <summary>PostgreSQL for keys, usage and limit counters shared by several instances; null means SQLite.</summary>
    public string? DatabaseUrl { get; init; }
    /// <summary>The SQLite file used when no <see cref="DatabaseUrl"/> is set.</summary>
    public string KeysDb { get; init; } = Path.Combine(AppContext.BaseDirectory, "data", "keys.db");
    /// <summary>Requests per minute per client address for callers without a virtual key; null is no limit.</summary>
    public int? RateLimitRpm { get; init; }
    /// <summary>TRUST_FORWARDED_FOR, FORWARDED_HOPS: the proxies trusted to say who the client is (none by default).</summary>
    public ForwardedTrust Forwarded { get; init; } = ForwardedTrust.None;
    /// <summary>"json": one Cloud Logging JSON object per line; anything else is plain text.</summary>
    public bool JsonLogs { get; init; }
    /// <summary>Request bodies larger than this get 413.</summary>
    public long MaxBodyBytes { get; init; } = 1 << 20;
    /// <summary>API_REFERENCE: serve the API reference page (/scalar) from the OpenAPI document; off unless asked for
    /// (./run.sh asks), and behind the key like every route but /health.</summary>
    public bool ApiReference { get; init; }

    /// <summary>The model shipped in the repository, found from the app folder or the working directory.</summary>
    public static string DefaultModelPath()
    {
        const string relative = "models/custom-gpt.gguf";
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return Path.Combine(AppContext.BaseDirectory, relative);
    }

    public static ModelApiSettings FromConfiguration(IConfiguration config)
    {
        var errors = new List<string>();
        int Int(string key, int fallback, int min, int max)
        {
            var raw = config[key];
            if (string.IsNullOrWhiteSpace(raw)) return fallback;
            if (int.TryParse(raw, out var value) && value >= min && value <= max) return value;
            errors.Add($"{key}='{raw}' must be a whole number from {min} to {max}.");
            return fallback;
        }
        bool Bool(string key, bool fallback)
        {
            var raw = config[key];
            if (string.IsNullOrWhiteSpace(raw)) return fallback;
            // As the Dashboard reads its flags: true/1 or false/0, so one value works for both parts.
            switch (raw.Trim().ToLowerInvariant())
            {
                case "true" or "1": return true;
                case "false" or "0": return false;
            }
            errors.Add($"{key}='{raw}' must be true or false.");
            return fallback;
        }
        var (modelUrl, modelObject) = ParseModelUrl(config["MODEL_URL"], errors);
        var kvCache = ParseKvCache(config["KV_CACHE_TYPE"], errors);
        var parallel = Int("PARALLEL", 4, 1, 64);
        var contextSize = string.IsNullOrWhiteSpace(config["CONTEXT_SIZE"]) ? (int?)null : Int("CONTEXT_SIZE", 0, 16, 1 << 20);
        var settings = new ModelApiSettings
        {
            Port = Int("PORT", 8080, 0, 65535),
            Host = config["HOST"] is { Length: > 0 } host ? host : "127.0.0.1",
            ModelPath = config["MODEL_PATH"] is { Length: > 0 } path ? path : DefaultModelPath(),
            // Trimmed: a secret made with `echo` ends in a newline that no client sends.
            ApiKey = Secret(config["API_KEY"]),
            Threads = Int("THREADS", Environment.ProcessorCount, 1, 512),
            Parallel = parallel,
            ContextSize = contextSize,
            MaxQueue = Int("MAX_QUEUE", 64, 0, 100_000),
            MaxChars = Int("MAX_CHARS", GenerationLimits.DefaultMaxChars, 1, 1 << 20),
            BatchSize = Int("BATCH_SIZE", 512, 32, 8192),
            ThreadPoll = Int("THREAD_POLL", 50, 0, 100),
            Load = new ModelLoadOptions { MapFile = Bool("MODEL_MMAP", DefaultMapFile), RepackWeights = Bool("MODEL_REPACK", true) },
            KvCache = kvCache,
            FlashAttention = ParseFlashAttention(config["FLASH_ATTENTION"], kvCache, errors),
            LogPrompts = Bool("LOG_PROMPTS", false),
            PromptCache = Bool("PROMPT_CACHE", true),
            DefaultSystemPrompt = config["DEFAULT_SYSTEM_PROMPT"] is { Length: > 0 } system ? system : null,
            ModelUrl = modelUrl,
            ModelObject = modelObject,
            MetadataHost = GoogleEndpoints.ParseMetadataHost(config["GCE_METADATA_HOST"], errors),
            StorageEndpoint = GoogleEndpoints.ParseStorage(config["STORAGE_EMULATOR_HOST"], errors),
            ModelSha256 = ParseSha256(config["MODEL_SHA256"], errors),
            ModelCacheDirectory = config["MODEL_CACHE_DIR"] is { Length: > 0 } cache ? cache : DefaultCacheDirectory,
            CorsOrigins = (config["CORS_ORIGINS"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ShutdownGrace = TimeSpan.FromSeconds(Int("SHUTDOWN_GRACE_SECONDS", 8, 0, 3600)),
            MasterKey = Secret(config["MASTER_KEY"]),
            MetricsToken = Secret(config["METRICS_TOKEN"]),
            DatabaseUrl = Secret(config["DATABASE_URL"]),
            KeysDb = config["KEYS_DB"] is { Length: > 0 } keysDb ? keysDb.Trim() : Path.Combine(AppContext.BaseDirectory, "data", "keys.db"),
            RateLimitRpm = string.IsNullOrWhiteSpace(config["RATE_LIMIT_RPM"]) ? null : Int("RATE_LIMIT_RPM", 0, 1, 1_000_000),
            Forwarded = ForwardedTrust.From(
                string.IsNullOrWhiteSpace(config["TRUST_FORWARDED_FOR"]) ? null : Bool("TRUST_FORWARDED_FOR", false),
                string.IsNullOrWhiteSpace(config["FORWARDED_HOPS"]) ? null : Int("FORWARDED_HOPS", 0, 0, ForwardedTrust.MaxHops),
                config["FLY_APP_NAME"], errors),
            JsonLogs = string.Equals(config["LOG_FORMAT"]?.Trim(), "json", StringComparison.OrdinalIgnoreCase),
            MaxBodyBytes = Int("MAX_BODY_BYTES", 1 << 20, 1024, int.MaxValue),
            ApiReference = Bool("API_REFERENCE", false),
            MemoryLimitBytes = string.IsNullOrWhiteSpace(config["MEMORY_LIMIT_MB"]) ? null : (long)Int("MEMORY_LIMIT_MB", 0, 1, int.MaxValue) << 20,
        };
        if (config["MODELS_CONFIG"] is { Length: > 0 } modelsConfig)
        {
            try
            {
                var models = CustomGpt.ModelApi.Models.ModelsConfigLoader.Load(modelsConfig.Trim(), name => config[name], (parallel, contextSize), config["DEFAULT_MODEL"]);
                // The environment wins over general_settings, as a deployment's secrets are set there.
                settings = settings with
                {
                    Models = models,
                    MasterKey = settings.MasterKey ?? Secret(models.MasterKey),
                    DatabaseUrl = settings.DatabaseUrl ?? Secret(models.DatabaseUrl),
                };
            }
            catch (InvalidSettingsException e)
            {
                errors.Add(e.Message);
            }
        }
        // Each decode step carries one token of every generating sequence: they must fit in one batch.
        if (settings.Parallel > settings.BatchSize)
            errors.Add($"PARALLEL={settings.Parallel} must not exceed BATCH_SIZE={settings.BatchSize}: every generating sequence needs a place in each decode step.");
        foreach (var local in settings.Models?.Local ?? [])
            if (local.Parallel > settings.BatchSize)
                errors.Add($"MODELS_CONFIG: '{local.Name}' has parallel {local.Parallel}, more than BATCH_SIZE={settings.BatchSize}: every generating sequence needs a place in each decode step.");
        CheckSecrets(settings, errors);
        if (errors.Count > 0) throw new InvalidSettingsException("Invalid configuration: " + string.Join(" ", errors));
        return settings;
    }

    /// <summary>Whether MODEL_MMAP is on when unset. Off: the CPU backend repacks most weights into a copy of its
    /// own, and a mapped file's pages would stay resident beside it (1.40 GiB against 0.87 GiB, docs/performance.md "Memory").</summary>
    const bool DefaultMapFile = false;

    /// <summary>Per user, so one user's cache folder is never another's (the cache must be private).</summary>
    static string DefaultCacheDirectory => Path.Combine(Path.GetTempPath(), "customgpt-models-" + Environment.UserName);

    /// <summary>A secret as the environment holds it, without the newline `echo` leaves; empty means unset.</summary>
    static string? Secret(string? raw) => string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();

    /// <summary>The settings one local model of MODELS_CONFIG loads with: its own lanes and context.</summary>
    public ModelApiSettings ForLocalModel(Models.LocalModelSettings model) => this with
    {
        ModelPath = model.Source,
        ModelUrl = CloudStorageObject.IsCloudStorage(model.Source) || !model.Source.Contains("://", StringComparison.Ordinal) ? null : new Uri(model.Source),
        ModelObject = CloudStorageObject.IsCloudStorage(model.Source) ? CloudStorageObject.Parse(model.Source, out _) : null,
        ModelSha256 = null,
        Parallel = model.Parallel,
        ContextSize = model.ContextSize,
    };
}

/// <summary>A setting (or a combination) ModelApi cannot start with; Program exits with code 2 and this message.</summary>
public sealed class InvalidSettingsException(string message) : InvalidOperationException(message);
