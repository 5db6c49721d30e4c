using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Hosting.CloudStorage;

namespace CustomGpt.ModelApi.Hosting;

/// <summary>How each setting's value is checked: errors name the setting (never a secret's value) and are reported
/// together, so one start shows everything that is wrong.</summary>
public sealed partial record ModelApiSettings
{
    /// <summary>The shortest API_KEY, MASTER_KEY or METRICS_TOKEN accepted: a short key can be guessed.</summary>
    public const int MinSecretLength = 16;

    /// <summary>Keys long enough to resist guessing, one key mode at a time, and a DATABASE_URL that parses (checked now,
    /// not at the first request). Messages name the setting, never its value.</summary>
    static void CheckSecrets(ModelApiSettings s, List<string> errors)
    {
        if (s.ApiKey is not null && s.MasterKey is not null)
            errors.Add("API_KEY and MASTER_KEY are both set: use MASTER_KEY (virtual keys) or API_KEY (one shared key), not both.");
        foreach (var (name, value) in new[] { ("API_KEY", s.ApiKey), ("MASTER_KEY", s.MasterKey), ("METRICS_TOKEN", s.MetricsToken) })
            if (value is { Length: < MinSecretLength })
                errors.Add($"{name} has {value.Length} characters; use at least {MinSecretLength} (e.g. `openssl rand -hex 24`).");
        if (s.DatabaseUrl is { } url)
        {
            try { Gateway.DatabaseUrl.ToConnectionString(url); }
            catch (FormatException e) { errors.Add(e.Message); }
        }
    }

    /// <summary>MODEL_URL: an https:// URL (public or signed), or gs://BUCKET/OBJECT (a private bucket).</summary>
    static (Uri? Url, CloudStorageObject? Object) ParseModelUrl(string? raw, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(raw)) return (null, null);
        if (CloudStorageObject.IsCloudStorage(raw))
        {
            var model = CloudStorageObject.Parse(raw, out var problem);
            if (model is null) errors.Add($"MODEL_URL='{raw.Trim()}' is not a Cloud Storage object: {problem}.");
            return (null, model);
        }
        if (Uri.TryCreate(raw, UriKind.Absolute, out var url) && IsDownloadUrl(url))
            return (url, null);
        // Never echo a signed URL: its query holds a token.
        var shown = Uri.TryCreate(raw, UriKind.Absolute, out var parsed) ? ModelCache.Redact(parsed) : "(not a URL)";
        errors.Add($"MODEL_URL='{shown}' must be an https:// URL or gs://BUCKET/OBJECT.");
        return (null, null);
    }

    /// <summary>Where a model may be downloaded from (MODEL_URL, a gguf/ entry of MODELS_CONFIG): https, or plain http only
    /// to this machine (tests, a local mirror).</summary>
    internal static bool IsDownloadUrl(Uri url) => url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback);

    static KvCacheType ParseKvCache(string? raw, List<string> errors)
    {
        switch (raw?.Trim().ToLowerInvariant())
        {
            case null or "" or "f16": return KvCacheType.F16;
            case "q8_0": return KvCacheType.Q8_0;
            case "q4_0": return KvCacheType.Q4_0;
            default:
                errors.Add($"KV_CACHE_TYPE='{raw}' must be f16, q8_0 or q4_0.");
                return KvCacheType.F16;
        }
    }

    static FlashAttention ParseFlashAttention(string? raw, KvCacheType cache, List<string> errors)
    {
        var value = raw?.Trim().ToLowerInvariant() switch
        {
            // Auto (on, on the CPU): lanes side by side, long prompts and a chat's later turns all decode faster with it
            // (docs/performance-under-load.md), and a quantized cache needs it.
            null or "" or "auto" => FlashAttention.Auto,
            "off" or "false" => FlashAttention.Off,
            "on" or "true" => FlashAttention.On,
            _ => (FlashAttention?)null,
        };
        if (value is null) errors.Add($"FLASH_ATTENTION='{raw}' must be on, off or auto.");
        else if (value == FlashAttention.Off && cache != KvCacheType.F16) errors.Add($"KV_CACHE_TYPE={cache.ToString().ToLowerInvariant()} needs FLASH_ATTENTION on or auto (llama.cpp reads a quantized cache only with it).");
        return value ?? FlashAttention.Off;
    }

    static string? ParseSha256(string? raw, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var value = raw.Trim();
        if (value.Length == 64 && value.All(char.IsAsciiHexDigit)) return value.ToLowerInvariant();
        errors.Add("MODEL_SHA256 must be 64 hexadecimal characters.");
        return null;
    }
}
