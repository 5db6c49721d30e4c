using System.Security.Cryptography;

namespace CustomGpt.ModelApi.Hosting;

/// <summary>
/// A model downloaded at start (MODEL_URL: https:// or gs://), whatever asks for it: streamed to a
/// temporary file of its own, checked against MODEL_SHA256 when given, then renamed into a private
/// cache folder with a stamp of its SHA-256. A restart re-hashes the cached file against the stamp
/// (and MODEL_SHA256) before it trusts it. A download that cannot be verified at all (no checksum and
/// no Content-Length) is used once and not cached. Subclasses only say how to ask for the file.
/// </summary>
public abstract class DownloadedModelSource(string? sha256, string cacheDirectory, ILogger logger) : IModelSource, IDisposable
{
    string? uncached;

    /// <summary>The file's name in the cache: different for every address (<see cref="ModelCache.FileName(string, string)"/>).</summary>
    protected abstract string CacheFileName { get; }

    /// <summary>Where the file comes from, fit for a log line: no token, no signature.</summary>
    protected abstract string ShownAddress { get; }

    /// <summary>Asks for the file; only the headers need to have arrived.</summary>
    protected abstract Task<HttpResponseMessage> RequestAsync(CancellationToken cancellationToken);

    /// <summary>The reason shown on /health when the server refuses the file (no URL: /health is anonymous).</summary>
    protected virtual string Refusal(HttpResponseMessage response) =>
        $"Downloading the model failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.";

    public async Task<string> ResolveAsync(IProgress<double> progress, CancellationToken cancellationToken)
    {
        ModelCache.EnsurePrivateFolder(cacheDirectory);
        var target = Path.Combine(cacheDirectory, CacheFileName);
        var stamp = target + ".verified";
        if (await ModelCache.IsIntactAsync(target, stamp, sha256, cancellationToken))
        {
            logger.LogInformation("Using the cached model {Path} (SHA-256 checked)", target);
            progress.Report(1);
            return target;
        }

        logger.LogInformation("Downloading the model from {Url}", ShownAddress);
        // A name no other process uses, created exclusively: never follows a planted link, never shared.
        var partial = $"{target}.{Guid.NewGuid():N}.partial";
        try
        {
            using var response = await RequestAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) throw new ModelDownloadException(Refusal(response));
            var total = response.Content.Headers.ContentLength;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var source = await response.Content.ReadAsStreamAsync(cancellationToken))
            await using (var file = new FileStream(partial, ModelCache.NewPrivateFile))
            {
                var buffer = new byte[1 << 20];
                long done = 0;
                int n;
                while ((n = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    done += n;
                    if (total > 0) progress.Report((double)done / total.Value);
                }
                if (total is long expected && done != expected)
                    throw new ModelDownloadException($"Downloading the model failed: got {done} of {expected} bytes.");
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (sha256 is not null && !actual.Equals(sha256, StringComparison.OrdinalIgnoreCase))
                throw new ModelDownloadException($"The downloaded model's SHA-256 is {actual}, but MODEL_SHA256 expects {sha256.ToLowerInvariant()}; refusing to load it.");
            progress.Report(1);
            if (sha256 is null && total is null)
            {
                // Nothing says the file is whole: a cut connection looks like an end. Use it, do not keep it.
                logger.LogWarning("The model download had no Content-Length and MODEL_SHA256 is not set: it is not cached. Set MODEL_SHA256 to cache it.");
                uncached = partial;
                return partial;
            }
            File.Move(partial, target, overwrite: true);
            await ModelCache.StampAsync(stamp, actual, cancellationToken);
            return target;
        }
        finally
        {
            if (partial != uncached && File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>The unverified download is deleted once llama.cpp has it (a mapped file stays readable
    /// after its name is gone), or at the stop if loading never got that far.</summary>
    public void Loaded(string path)
    {
        if (path == uncached) Dispose();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && uncached is not null && File.Exists(uncached)) File.Delete(uncached);
    }
}

/// <summary>A download failure whose message is safe to show on the anonymous /health (no URL, no path).</summary>
public sealed class ModelDownloadException(string message) : Exception(message);
