using System.Globalization;
using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Models;

/// <summary>What one local model will hold in memory once loaded: its weights (the file, read not mapped), its KV
/// cache (every lane's context) and llama.cpp's compute buffers.</summary>
public sealed record ModelMemoryEstimate(string Names, long WeightsBytes, long KvCacheBytes, long ComputeBytes)
{
    public long TotalBytes => WeightsBytes + KvCacheBytes + ComputeBytes;

    public override string ToString() =>
        $"{Names}: {ModelMemory.MiB(TotalBytes)} (weights {ModelMemory.MiB(WeightsBytes)}, KV cache {ModelMemory.MiB(KvCacheBytes)}, compute {ModelMemory.MiB(ComputeBytes)})";
}

/// <summary>
/// Refuses at start what cannot fit: the local models' estimates and the process's own share against the container's
/// memory limit (cgroup v2 memory.max, or MEMORY_LIMIT_MB). Estimated from the GGUF header (docs/models.md "Memory"),
/// so nothing is loaded to find out; a model still to be downloaded is counted once it is on disk (at its next start).
/// </summary>
public static class ModelMemory
{
    public const string CgroupLimitFile = "/sys/fs/cgroup/memory.max";
    /// <summary>The runtime, Kestrel, the .NET heap and llama.cpp's own state, beside the models (measured ~100 MiB).</summary>
    public const long ProcessBytes = 96L << 20;
    /// <summary>llama.cpp's compute buffers per loaded model (tens of MiB for small models).</summary>
    public const long ComputeBytesPerModel = 32L << 20;

    /// <summary>The limit in bytes memory.max holds; null when the file is absent or says "max".</summary>
    public static long? ContainerLimit(string file = CgroupLimitFile)
    {
        try
        {
            if (!File.Exists(file)) return null;
            var text = File.ReadAllText(file).Trim();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Each local model file the settings serve, once per file, with the settings it loads with.</summary>
    public static IEnumerable<(string Names, string Path, ModelApiSettings Settings)> LocalFiles(ModelApiSettings settings)
    {
        if (settings.Models is not { } config)
        {
            if (settings.ModelUrl is null && settings.ModelObject is null) yield return ("the model", settings.ModelPath, settings);
            yield break;
        }
        foreach (var group in config.Local.GroupBy(l => l.Source))
        {
            var first = group.First();
            var modelSettings = settings.ForLocalModel(first);
            var path = modelSettings.ModelUrl is null && modelSettings.ModelObject is null ? first.Source : null;
            if (path is not null) yield return (string.Join(", ", group.Select(l => $"'{l.Name}'")), path, modelSettings);
        }
    }

    /// <summary>The estimate for one file, or null when it is not there (yet) or not readable as GGUF: loading will say why.</summary>
    public static ModelMemoryEstimate? Estimate(string names, string path, ModelApiSettings settings)
    {
        if (!File.Exists(path)) return null;
        GgufReader gguf;
        try
        {
            gguf = GgufReader.Read(path);
        }
        catch (LlamaException)
        {
            return null;
        }
        long Number(string key, long fallback) => gguf.Metadata.TryGetValue(key, out var v) ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : fallback;
        var arch = gguf.GetString("general.architecture") ?? "llama";
        var layers = Number($"{arch}.block_count", 0);
        var embedding = Number($"{arch}.embedding_length", 0);
        var heads = Math.Max(1, Number($"{arch}.attention.head_count", 1));
        var kvHeads = Number($"{arch}.attention.head_count_kv", heads);
        var keyLength = Number($"{arch}.attention.key_length", embedding / heads);
        var valueLength = Number($"{arch}.attention.value_length", embedding / heads);
        var trained = Number($"{arch}.context_length", 4096);
        // As ModelHost sizes the context: CONTEXT_SIZE per lane, else the trained context capped at 4096.
        var perLane = settings.ContextSize ?? Math.Min(trained, 4096);
        var cells = perLane * settings.Parallel;
        var bytesPerValue = settings.KvCache switch
        {
            KvCacheType.Q8_0 => 34.0 / 32, // ggml blocks: 32 values in 34 bytes
            KvCacheType.Q4_0 => 18.0 / 32,
            _ => 2.0,
        };
        var kv = (long)(layers * cells * kvHeads * (keyLength + valueLength) * bytesPerValue);
        return new ModelMemoryEstimate(names, new FileInfo(path).Length, kv, ComputeBytesPerModel);
    }

    /// <summary>Throws <see cref="InvalidSettingsException"/> (exit 2) naming the models and figures when they cannot fit in <paramref name="limitBytes"/>.</summary>
    public static IReadOnlyList<ModelMemoryEstimate> EnsureFits(ModelApiSettings settings, long? limitBytes)
    {
        var estimates = LocalFiles(settings).Select(f => Estimate(f.Names, f.Path, f.Settings)).OfType<ModelMemoryEstimate>().ToList();
        if (limitBytes is not { } limit) return estimates;
        var total = ProcessBytes + estimates.Sum(e => e.TotalBytes);
        if (total <= limit) return estimates;
        throw new InvalidSettingsException(
            $"The local models need about {MiB(total)} and the container has {MiB(limit)} (memory.max or MEMORY_LIMIT_MB): " +
            string.Join("; ", estimates) + $"; the process itself {MiB(ProcessBytes)}. " +
            "Serve fewer models, lower their parallel or context_size, set KV_CACHE_TYPE=q8_0, or give the container more memory.");
    }

    public static string MiB(long bytes) => $"{bytes / (1024.0 * 1024):N0} MiB";
}
