using System.Globalization;
using System.Reflection;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Hosting.CloudStorage;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CustomGpt.ModelApi.Models;

/// <summary>
/// Reads MODELS_CONFIG (LiteLLM's config.yaml) with YamlDotNet and checks it whole: anything that cannot work
/// (a missing file, an unset os.environ/NAME, an unknown provider, a duplicate name, ...) is an
/// <see cref="InvalidSettingsException"/> naming the entry, so the start stops with exit code 2.
/// </summary>
public static class ModelsConfigLoader
{
    /// <summary>LiteLLM's way to take a value from the environment instead of writing it in the file.</summary>
    public const string EnvironmentPrefix = "os.environ/";
    public const string LocalPrefix = "gguf/";
    public const string OpenAiPrefix = "openai/";
    public static readonly Uri OpenAiApiBase = new("https://api.openai.com/v1");

    static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties() // reported as warnings by WarnUnknown instead
        .Build();

    /// <param name="environment">Reads a variable for os.environ/NAME (the app's configuration, which holds the environment).</param>
    /// <param name="defaults">PARALLEL and CONTEXT_SIZE, for entries that do not set their own.</param>
    public static ModelsConfig Load(string path, Func<string, string?> environment, (int Parallel, int? ContextSize) defaults, string? defaultModel)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw Invalid($"MODELS_CONFIG='{path}': the file does not exist.");
        var text = File.ReadAllText(full);
        return Parse(text, System.IO.Path.GetDirectoryName(full)!, environment, defaults, defaultModel, full);
    }

    /// <summary>The same from the file's text; relative gguf/ paths are taken from <paramref name="baseDirectory"/>.</summary>
    public static ModelsConfig Parse(string yaml, string baseDirectory, Func<string, string?> environment,
        (int Parallel, int? ContextSize) defaults, string? defaultModel, string shownPath = "MODELS_CONFIG")
    {
        LiteLlmConfigFile file;
        var warnings = new List<string>();
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count > 0) WarnUnknown(stream.Documents[0].RootNode, typeof(LiteLlmConfigFile), "", warnings);
            file = Yaml.Deserialize<LiteLlmConfigFile?>(yaml) ?? new LiteLlmConfigFile();
        }
        catch (YamlException e)
        {
            throw Invalid($"{shownPath}: line {e.Start.Line}, column {e.Start.Column}: {Innermost(e).Message}");
        }

        if (file.ModelList is not { Count: > 0 } entries) throw Invalid($"{shownPath}: model_list is empty; it must list at least one model.");
        var names = new List<string>();
        var local = new List<LocalModelSettings>();
        var upstreams = new List<UpstreamDeployment>();
        var router = Router(file, shownPath);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var at = $"{shownPath}: model_list[{i}]";
            if (entry is null) throw Invalid($"{at} is empty.");
            if (string.IsNullOrWhiteSpace(entry.ModelName)) throw Invalid($"{at} has no model_name.");
            var name = entry.ModelName.Trim();
            at += $" ({name})";
            var p = entry.LitellmParams ?? throw Invalid($"{at} has no litellm_params.");
            string Resolve(string? value, string field) => ResolveEnvironment(value, environment, $"{at} litellm_params.{field}")!;
            var model = Resolve(p.Model, "model");
            if (string.IsNullOrWhiteSpace(model)) throw Invalid($"{at} has no litellm_params.model.");
            var costs = Costs(entry, at);
            if (p.Timeout is <= 0) throw Invalid($"{at} litellm_params.timeout must be more than 0 seconds.");
            if (p.Rpm is <= 0 || p.Tpm is <= 0) throw Invalid($"{at} litellm_params.rpm and tpm must be more than 0.");

            if (model.StartsWith(LocalPrefix, StringComparison.OrdinalIgnoreCase))
            {
                if (upstreams.Any(u => u.ModelName == name)) throw Invalid($"{at}: '{name}' is already an upstream model; a name is served either here (gguf/) or upstream, not both.");
                if (p.Parallel is < 1 or > 64) throw Invalid($"{at} litellm_params.parallel must be from 1 to 64.");
                if (p.ContextSize is < 16 or > 1 << 20) throw Invalid($"{at} litellm_params.context_size must be from 16 to {1 << 20}.");
                var settings = new LocalModelSettings(name, LocalSource(model[LocalPrefix.Length..], baseDirectory, at),
                    p.Parallel ?? defaults.Parallel, p.ContextSize ?? defaults.ContextSize, costs);
                if (local.FirstOrDefault(l => l.Name == name) is { } same)
                {
                    // The same name twice: LiteLLM would balance between them; one process holds one copy of a local model.
                    throw Invalid($"{at}: '{name}' is listed twice as a local model (first as '{same.Source}'); give each local model one entry.");
                }
                if (local.FirstOrDefault(l => l.Source == settings.Source && !l.SameLoad(settings)) is { } conflicting)
                    throw Invalid($"{at}: '{settings.Source}' is also served as '{conflicting.Name}' with parallel {conflicting.Parallel} and context_size {Shown(conflicting.ContextSize)}; one file is loaded once, so its entries must agree (here parallel {settings.Parallel}, context_size {Shown(settings.ContextSize)}).");
                local.Add(settings);
            }
            else if (model.StartsWith(OpenAiPrefix, StringComparison.OrdinalIgnoreCase))
            {
                if (local.Any(l => l.Name == name)) throw Invalid($"{at}: '{name}' is already a local model; a name is served either here (gguf/) or upstream, not both.");
                if (p.Parallel is not null || p.ContextSize is not null) throw Invalid($"{at}: parallel and context_size apply to local (gguf/) models only.");
                var upstreamModel = model[OpenAiPrefix.Length..].Trim();
                if (upstreamModel.Length == 0) throw Invalid($"{at} litellm_params.model 'openai/' names no model.");
                var apiBase = ApiBase(Resolve(p.ApiBase, "api_base"), at);
                var apiKey = Resolve(p.ApiKey, "api_key");
                upstreams.Add(new UpstreamDeployment(name, upstreamModel, apiBase, string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim(),
                    p.Timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : router.Timeout, p.Rpm, p.Tpm, costs));
            }
            else
            {
                var slash = model.IndexOf('/', StringComparison.Ordinal);
                var provider = slash > 0 ? $"the provider '{model[..slash]}/'" : "no provider prefix";
                throw Invalid($"{at} litellm_params.model '{model}' has {provider}; ModelApi serves gguf/PATH (a local model) and openai/MODEL (any OpenAI-compatible endpoint, with api_base).");
            }
            if (!names.Contains(name)) names.Add(name);
        }

        foreach (var (from, to) in router.Fallbacks)
        {
            if (!names.Contains(from)) throw Invalid($"{shownPath}: litellm_settings.fallbacks names '{from}', which model_list does not serve.");
            if (to.FirstOrDefault(t => !names.Contains(t)) is { } unknown) throw Invalid($"{shownPath}: litellm_settings.fallbacks for '{from}' names '{unknown}', which model_list does not serve.");
        }
        var chosen = string.IsNullOrWhiteSpace(defaultModel) ? names[0] : defaultModel.Trim();
        if (!names.Contains(chosen)) throw Invalid($"DEFAULT_MODEL='{chosen}' is not in MODELS_CONFIG; it serves {string.Join(", ", names.Select(n => $"'{n}'"))}.");

        var general = file.GeneralSettings;
        return new ModelsConfig(shownPath, names, local, upstreams, router, chosen,
            ResolveEnvironment(general?.MasterKey, environment, $"{shownPath}: general_settings.master_key")?.Trim(),
            ResolveEnvironment(general?.DatabaseUrl, environment, $"{shownPath}: general_settings.database_url")?.Trim(),
            warnings);
    }

    /// <summary>"os.environ/NAME" is the variable's value (it must be set); anything else is itself.</summary>
    public static string? ResolveEnvironment(string? value, Func<string, string?> environment, string where)
    {
        if (value is null || !value.StartsWith(EnvironmentPrefix, StringComparison.Ordinal)) return value;
        var name = value[EnvironmentPrefix.Length..].Trim();
        var resolved = name.Length == 0 ? null : environment(name);
        // The message names the variable, never a value.
        if (string.IsNullOrEmpty(resolved)) throw Invalid($"{where} is {value}, but the environment variable {name} is not set.");
        return resolved;
    }

    static RouterSettings Router(LiteLlmConfigFile file, string shownPath)
    {
        var r = file.RouterSettings;
        var l = file.LitellmSettings;
        var d = RouterSettings.Default;
        var retries = r?.NumRetries ?? l?.NumRetries ?? d.NumRetries;
        var timeout = r?.Timeout ?? l?.RequestTimeout;
        if (retries < 0) throw Invalid($"{shownPath}: router_settings.num_retries must be 0 or more.");
        if (timeout is <= 0) throw Invalid($"{shownPath}: router_settings.timeout must be more than 0 seconds.");
        if (r?.AllowedFails is < 0) throw Invalid($"{shownPath}: router_settings.allowed_fails must be 0 or more.");
        if (r?.CooldownTime is < 0) throw Invalid($"{shownPath}: router_settings.cooldown_time must be 0 or more seconds.");
        var fallbacks = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var item in l?.Fallbacks ?? [])
            foreach (var (from, to) in item ?? [])
                fallbacks[from] = [.. (to ?? []).Where(t => !string.IsNullOrWhiteSpace(t))];
        return new RouterSettings(retries,
            timeout is { } t ? TimeSpan.FromSeconds(t) : d.Timeout,
            r?.AllowedFails ?? d.AllowedFails,
            r?.CooldownTime is { } c ? TimeSpan.FromSeconds(c) : d.CooldownTime,
            fallbacks);
    }

    static ModelCosts Costs(ModelListEntry entry, string at)
    {
        var input = entry.ModelInfo?.InputCostPerToken ?? entry.LitellmParams?.InputCostPerToken ?? 0;
        var output = entry.ModelInfo?.OutputCostPerToken ?? entry.LitellmParams?.OutputCostPerToken ?? 0;
        if (input < 0 || output < 0 || !double.IsFinite(input) || !double.IsFinite(output))
            throw Invalid($"{at} model_info: input_cost_per_token and output_cost_per_token must be 0 or more.");
        return input == 0 && output == 0 ? ModelCosts.Free : new ModelCosts(input, output);
    }

    /// <summary>gguf/models/m.gguf (relative to the config file's folder), gguf//data/m.gguf (absolute), gguf/https://... or gguf/gs://...</summary>
    static string LocalSource(string raw, string baseDirectory, string at)
    {
        var value = raw.Trim();
        if (value.Length == 0) throw Invalid($"{at} litellm_params.model 'gguf/' names no file.");
        if (CloudStorageObject.IsCloudStorage(value))
        {
            var parsed = CloudStorageObject.Parse(value, out var problem) ?? throw Invalid($"{at}: '{value}' is not a Cloud Storage object: {problem}.");
            return parsed.ToString();
        }
        if (value.Contains("://", StringComparison.Ordinal))
        {
            if (Uri.TryCreate(value, UriKind.Absolute, out var url) && ModelApiSettings.IsDownloadUrl(url))
                return url.ToString();
            var shown = Uri.TryCreate(value, UriKind.Absolute, out var any) ? ModelCache.Redact(any) : "(not a URL)";
            throw Invalid($"{at}: '{shown}' must be an https:// URL, gs://BUCKET/OBJECT or a file path.");
        }
        var path = System.IO.Path.GetFullPath(value, baseDirectory);
        if (!File.Exists(path)) throw Invalid($"{at}: the model file '{path}' does not exist.");
        return path;
    }

    static Uri ApiBase(string? raw, string at)
    {
        if (string.IsNullOrWhiteSpace(raw)) return OpenAiApiBase;
        if (Uri.TryCreate(raw.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
            && string.IsNullOrEmpty(url.UserInfo))
            return url;
        throw Invalid($"{at} litellm_params.api_base must be an http:// or https:// URL without credentials in it.");
    }

    /// <summary>One warning line per key ModelApi does not read, with where it is.</summary>
    static void WarnUnknown(YamlNode node, Type type, string path, List<string> warnings)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (node is YamlSequenceNode sequence && type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var item = type.GetGenericArguments()[0];
            var i = 0;
            foreach (var child in sequence.Children) WarnUnknown(child, item, $"{path}[{i++}]", warnings);
            return;
        }
        // Only our own section classes have a fixed set of keys (a fallbacks map takes any model name).
        if (node is not YamlMappingNode mapping || type.Namespace != typeof(LiteLlmConfigFile).Namespace) return;
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(p => UnderscoredNamingConvention.Instance.Apply(p.Name), p => p.PropertyType);
        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            var at = path.Length == 0 ? name : $"{path}.{name}";
            if (properties.TryGetValue(name, out var child)) WarnUnknown(value, child, at, warnings);
            else warnings.Add($"MODELS_CONFIG: {at} is not used by ModelApi; ignored.");
        }
    }

    static Exception Innermost(Exception e) => e.InnerException is { } inner && e is YamlException { Message: var m } && m.StartsWith("Exception during deserialization", StringComparison.Ordinal) ? inner : e;

    static string Shown(int? contextSize) => contextSize?.ToString(CultureInfo.InvariantCulture) ?? "(the model's)";

    static InvalidSettingsException Invalid(string message) => new(message);
}
