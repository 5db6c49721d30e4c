namespace CustomGpt.ModelApi.Hosting;

/// <summary>A model fetched over HTTPS at start (MODEL_URL=https://..., e.g. a signed Cloud Storage URL).</summary>
public sealed class UrlModelSource(Uri url, string? sha256, string cacheDirectory, HttpClient http, ILogger<UrlModelSource> logger)
    : DownloadedModelSource(sha256, cacheDirectory, logger)
{
    protected override string CacheFileName => ModelCache.FileName(url);

    protected override string ShownAddress => ModelCache.Redact(url);

    protected override Task<HttpResponseMessage> RequestAsync(CancellationToken cancellationToken) =>
        http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
}
