using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Training;
using Microsoft.AspNetCore.Http.Features;

namespace CustomGpt.ModelApi.Apis;

/// <summary>
/// OpenAI's Files API for training texts: POST /v1/files (multipart: file, purpose=fine-tune), GET /v1/files,
/// GET/DELETE /v1/files/{id}, GET /v1/files/{id}/content (also a job's results: report, loss curve, model).
/// Master key only: a text is the operator's data.
/// </summary>
public static class FilesApi
{
    public static IEndpointRouteBuilder MapFilesApi(this IEndpointRouteBuilder app)
    {
        var files = app.MapGroup("/v1/files").WithTags("Training").RequireAuthorization(GatewayPolicies.Master)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        files.MapPost("", Upload).Produces<FileObject>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("UploadFile").WithSummary("Uploads a UTF-8 training text (multipart: file, purpose=fine-tune), up to TRAIN_MAX_BYTES.");
        files.MapGet("", List).Produces<FileList>().WithName("ListFiles").WithSummary("Uploaded texts and jobs' result files.");
        files.MapGet("/{id}", Get).Produces<FileObject>().ProducesProblem(StatusCodes.Status404NotFound).WithName("GetFile").WithSummary("One file.");
        files.MapGet("/{id}/content", Content).ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetFileContent").WithSummary("A file's bytes: a text, or a job's report (Markdown), loss curve (SVG) or model (GGUF).");
        files.MapDelete("/{id}", Delete).Produces<FileDeleted>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("DeleteFile").WithSummary("Deletes an uploaded text (a job's result files stay with the job; only their entry goes).");
        return app;
    }

    static async Task<IResult> Upload(HttpContext http, TrainingStore store, TrainingSettings settings, TimeProvider time)
    {
        // The body may be larger than MAX_BODY_BYTES here: a text up to TRAIN_MAX_BYTES and the multipart framing.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = settings.MaxBytes + (64 << 10);
        if (!http.Request.HasFormContentType)
            return JsonBody.Invalid("file", $"Send the text as multipart/form-data with the fields 'file' and 'purpose' (got '{http.Request.ContentType ?? "no content type"}').");
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(settings);
        }
        catch (InvalidDataException e)
        {
            return JsonBody.Invalid("file", "The multipart body is malformed: " + e.Message);
        }
        if (form["purpose"].ToString() is var purpose && purpose != FilePurposes.FineTune)
            return JsonBody.Invalid("purpose", $"'purpose' must be '{FilePurposes.FineTune}' (got '{purpose}').");
        if (form.Files.GetFile("file") is not { } upload) return JsonBody.Invalid("file", "The 'file' field is missing: attach the text as a file.");
        if (upload.Length > settings.MaxBytes) return TooLarge(settings);
        if (upload.Length == 0) return JsonBody.Invalid("file", $"'{upload.FileName}' is empty.");
        var name = Path.GetFileName(upload.FileName) is { Length: > 0 and <= 255 } n ? n : "text.txt";
        var id = TrainingStore.NewId("file-");
        var path = Path.Combine(settings.FilesDir, id + ".txt");
        await using (var target = OwnerOnly.Create(path))
            await upload.CopyToAsync(target, http.RequestAborted);
        var (corpus, problem) = TrainingText.Check(path, name);
        if (corpus is null)
        {
            File.Delete(path);
            return JsonBody.Invalid("file", problem!);
        }
        var file = new FileObject(id, upload.Length, time.GetUtcNow().ToUnixTimeSeconds(), name, FilePurposes.FineTune) { Characters = corpus.Tokens.Length };
        store.Add(new StoredFile(file, path, corpus.Sha256));
        return TypedResults.Ok(file);
    }

    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult TooLarge(TrainingSettings settings) =>
        CodedProblem.Of(StatusCodes.Status413PayloadTooLarge, ProblemCodes.BodyTooLarge, "The file is too large.",
            $"A training text may be at most {settings.MaxBytes:N0} bytes (TRAIN_MAX_BYTES).");

    static FileList List(TrainingStore store, string? purpose) =>
        new([.. store.Files.Where(f => purpose is null || f.File.Purpose == purpose).OrderByDescending(f => f.File.CreatedAt).Select(f => f.File)]);

    static IResult Get(string id, TrainingStore store) =>
        store.FindFile(id) is { } f ? TypedResults.Ok(f.File) : NotFound(id);

    static IResult Content(string id, TrainingStore store)
    {
        if (store.FindFile(id) is not { } f || !File.Exists(f.Path)) return NotFound(id);
        var type = Path.GetExtension(f.File.Filename).ToLowerInvariant() switch
        {
            ".md" => "text/markdown; charset=utf-8",
            ".svg" => "image/svg+xml",
            ".gguf" => "application/octet-stream",
            _ => "text/plain; charset=utf-8",
        };
        return TypedResults.PhysicalFile(f.Path, type, f.File.Filename);
    }

    static IResult Delete(string id, TrainingStore store)
    {
        if (store.FindFile(id) is not { } f) return NotFound(id);
        store.Remove(id);
        if (f.File.Purpose == FilePurposes.FineTune) File.Delete(f.Path);
        return TypedResults.Ok(new FileDeleted(id, true));
    }

    internal static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(title: "No such file.", detail: $"There is no file '{id}'.", statusCode: StatusCodes.Status404NotFound);
}
