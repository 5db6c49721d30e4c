using System.Collections.Concurrent;
using System.Text.Json;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Training;

/// <summary>
/// Every job's events in order: appended to DATA_DIR/training/jobs/ID/events.jsonl as they happen and read back
/// after a restart. A reader that has seen them all waits on <see cref="ChangedAsync"/> for the next one (the
/// server-sent event stream of GET .../events?stream=true).
/// </summary>
sealed class JobEvents(TrainingStore store, TimeProvider time)
{
    sealed class Feed
    {
        public readonly List<FineTuningEvent> Events = [];
        public TaskCompletionSource Changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    readonly ConcurrentDictionary<string, Feed> feeds = new();

    Feed Of(string jobId) => feeds.GetOrAdd(jobId, id =>
    {
        var feed = new Feed();
        var path = store.EventsPath(id);
        if (File.Exists(path))
            foreach (var line in File.ReadLines(path))
                if (line.Length > 0 && JsonSerializer.Deserialize<FineTuningEvent>(line, ModelApiJson.Options) is { } e) feed.Events.Add(e);
        return feed;
    });

    public FineTuningEvent Add(string jobId, string message, string type = "message", FineTuningEventData? data = null, string level = "info")
    {
        var e = new FineTuningEvent(TrainingStore.NewId("ftevent-"), time.GetUtcNow().ToUnixTimeSeconds(), level, message, type, data);
        var feed = Of(jobId);
        TaskCompletionSource changed;
        lock (feed)
        {
            feed.Events.Add(e);
            var path = store.EventsPath(jobId);
            OwnerOnly.Folder(Path.GetDirectoryName(path)!);
            File.AppendAllText(path, JsonSerializer.Serialize(e, ModelApiJson.Options) + "\n");
            OwnerOnly.Restrict(path);
            changed = feed.Changed;
            feed.Changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        return e;
    }

    /// <summary>The events from index <paramref name="from"/> on (oldest first), and a task that completes at the next one.</summary>
    public (IReadOnlyList<FineTuningEvent> Events, Task Changed) Since(string jobId, int from)
    {
        var feed = Of(jobId);
        lock (feed) return ([.. feed.Events.Skip(from)], feed.Changed.Task);
    }

    /// <summary>Wakes every reader of a job (its status changed without an event, e.g. at the very end).</summary>
    public void Touch(string jobId)
    {
        var feed = Of(jobId);
        TaskCompletionSource changed;
        lock (feed)
        {
            changed = feed.Changed;
            feed.Changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }
}
