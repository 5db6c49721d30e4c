namespace CustomGpt.Dashboard.Components.Training;

/// <summary>A job's events as the page has seen them, oldest first; each poll merges the newest page in by id.</summary>
public sealed class JobFeed(string jobId)
{
    readonly List<FineTuningEvent> events = [];
    readonly HashSet<string> seen = [];

    public string JobId { get; } = jobId;
    public IReadOnlyList<FineTuningEvent> Events => events;

    /// <summary>Progress points (type "metrics"), oldest first.</summary>
    public IReadOnlyList<FineTuningEventData> Points => [.. events.Where(e => e.Type == "metrics" && e.Data is not null).Select(e => e.Data!)];

    /// <summary>Samples of generated text, oldest first.</summary>
    public IReadOnlyList<FineTuningEventData> Samples => [.. events.Where(e => e.Data?.Sample is not null).Select(e => e.Data!)];

    /// <summary>Adds the events not seen yet from a newest-first page; true when there were any.</summary>
    public bool Merge(IReadOnlyList<FineTuningEvent> newestFirst)
    {
        var fresh = newestFirst.Where(e => seen.Add(e.Id)).Reverse().ToList();
        events.AddRange(fresh);
        return fresh.Count > 0;
    }
}
