namespace CustomGpt.ModelApi.Models;

/// <summary>
/// One model_list entry served here ("gguf/..."): <see cref="Source"/> is an absolute file path, an https:// URL or a
/// gs://BUCKET/OBJECT; <see cref="Parallel"/> and <see cref="ContextSize"/> are this model's own lanes (PARALLEL and
/// CONTEXT_SIZE when the entry does not set them).
/// </summary>
public sealed record LocalModelSettings(string Name, string Source, int Parallel, int? ContextSize, ModelCosts Costs)
{
    /// <summary>Whether two entries load the same file the same way (then they share one loaded model).</summary>
    public bool SameLoad(LocalModelSettings other) => Parallel == other.Parallel && ContextSize == other.ContextSize;
}
