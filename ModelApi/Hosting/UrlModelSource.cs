using System.Security.Cryptography;

namespace CustomGpt.ModelApi.Hosting;

/// <summary>
/// A model fetched over HTTPS at start (MODEL_URL, e.g. a GCS object's https URL), streamed to a
/// temporary file, checked against MODEL_SHA256 when given, then renamed into the cache. A restart
/// finds the verified file in the cache and skips the download.
/// </summary>
public sealed class UrlModelSource(Uri url, string? sha256, string cacheDirectory, HttpClient http, ILogger<UrlModelSource> logger) : IModelSource
{
    public async Task<string> ResolveAsync(IProgress<double> progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(cacheDirectory);
        var target = Path.Combine(cacheDirectory, CacheName(url));
        var stamp = target + ".verified";
        if (File.Exists(target) && (sha256 is null || IsStampedWith(stamp, sha256, new FileInfo(target).Length)))
        {
            logger.LogInformation("Using the cached model {Path}", target);
            progress.Report(1);
            return target;
        }

        logger.LogInformation("Downloading the model from {Host}{Path}", url.Host, url.AbsolutePath);
        var partial = target + ".partial";
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"Downloading the model failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {url.Host}.");
            var total = response.Content.Headers.ContentLength;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var source = await response.Content.ReadAsStreamAsync(cancellationToken))
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
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
                    throw new InvalidOperationException($"Downloading the model failed: got {done} of {expected} bytes.");
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (sha256 is not null && !actual.Equals(sha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"The downloaded model's SHA-256 is {actual}, but MODEL_SHA256 expects {sha256.ToLowerInvariant()}; refusing to load it.");
            File.Move(partial, target, overwrite: true);
            await File.WriteAllTextAsync(stamp, $"{actual} {new FileInfo(target).Length}", cancellationToken);
            progress.Report(1);
            return target;
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    static bool IsStampedWith(string stamp, string sha256, long length) =>
        File.Exists(stamp) && File.ReadAllText(stamp).Trim() is var text &&
        text.Equals($"{sha256.ToLowerInvariant()} {length}", StringComparison.Ordinal);

    /// <summary>The URL's file name, prefixed by a digest of the whole URL so two URLs never share a file.</summary>
    static string CacheName(Uri url)
    {
        var name = Path.GetFileName(url.AbsolutePath);
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        var digest = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..12];
        return $"{digest}-{(safe.Length > 0 ? safe : "model.gguf")}";
    }
}
