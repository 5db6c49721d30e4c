using Refit;

namespace CustomGpt.ModelApi.Client;

// Training (#23): upload a text, start, follow and stop jobs, fetch their results. Master key only.
public sealed partial class ModelApiClient
{
    /// <summary>POST /v1/files (purpose fine-tune): a UTF-8 training text.</summary>
    public Task<ApiResult<FileObject>> UploadTrainingTextAsync(byte[] text, string fileName, CancellationToken ct = default) =>
        SendAsync((key, t) => api.UploadFileAsync(new ByteArrayPart(text, fileName, "text/plain"), "fine-tune", key, t), options.Timeout, ct);

    /// <summary>GET /v1/files/{id}/content: a text or a job's result (report, loss curve, model); null when refused or missing.</summary>
    public async Task<byte[]?> FileContentAsync(string id, CancellationToken ct = default)
    {
        var key = await KeyAsync(ct);
        using var response = await api.FileContentAsync(id, key.Value, ct);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsByteArrayAsync(ct) : null;
    }

    public Task<ApiResult<FineTuningJob>> CreateFineTuningJobAsync(FineTuningJobRequest request, CancellationToken ct = default) =>
        SendAsync((key, t) => api.CreateFineTuningJobAsync(request, key, t), options.Timeout, ct);

    public Task<ApiResult<FineTuningJobList>> ListFineTuningJobsAsync(CancellationToken ct = default) =>
        SendAsync((key, t) => api.ListFineTuningJobsAsync(key, t), options.Timeout, ct);

    public Task<ApiResult<FineTuningJob>> FineTuningJobAsync(string id, CancellationToken ct = default) =>
        SendAsync((key, t) => api.FineTuningJobAsync(id, key, t), options.Timeout, ct);

    /// <summary>The newest <paramref name="limit"/> events of a job, newest first.</summary>
    public Task<ApiResult<FineTuningEventList>> FineTuningEventsAsync(string id, int limit = 100, CancellationToken ct = default) =>
        SendAsync((key, t) => api.FineTuningEventsAsync(id, limit, key, t), options.Timeout, ct);

    public Task<ApiResult<FineTuningJob>> CancelFineTuningJobAsync(string id, CancellationToken ct = default) =>
        SendAsync((key, t) => api.CancelFineTuningJobAsync(id, key, t), options.Timeout, ct);
}
