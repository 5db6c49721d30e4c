using Microsoft.JSInterop;

namespace CustomGpt.Dashboard.Components.Chat;

/// <summary>
/// Keeps the conversation in the browser tab's sessionStorage (app.js customGpt.session*): it survives a reload,
/// ends with the tab, and lives with the browser, not with one Dashboard instance's memory.
/// </summary>
public static class ConversationStore
{
    const string Key = "customGpt.chat";
    /// <summary>sessionStorage holds a few MB per origin; a bigger copy is not read back.</summary>
    const long MaxBytes = 4 * 1024 * 1024;

    /// <summary>The stored conversation of <paramref name="owner"/>, or null.</summary>
    public static async Task<Conversation?> LoadAsync(IJSRuntime js, string owner)
    {
        try
        {
            // A stream, not a string: a long conversation is larger than one message from the browser may be (32 KB).
            await using var data = await js.InvokeAsync<IJSStreamReference>("customGpt.sessionRead", Key);
            if (data.Length == 0) return null;
            await using var stream = await data.OpenReadStreamAsync(MaxBytes);
            using var reader = new StreamReader(stream);
            return Conversation.FromJson(await reader.ReadToEndAsync(), owner);
        }
        catch (Exception e) when (e is JSException or InvalidOperationException or ArgumentOutOfRangeException or IOException)
        {
            return null; // storage blocked or too big: the page starts with an empty conversation
        }
    }

    /// <summary>True when the browser kept it (false: storage blocked or full).</summary>
    public static async Task<bool> SaveAsync(IJSRuntime js, Conversation conversation)
    {
        try
        {
            return await js.InvokeAsync<bool>("customGpt.sessionWrite", Key, conversation.ToJson());
        }
        catch (JSException)
        {
            return false;
        }
    }
}
