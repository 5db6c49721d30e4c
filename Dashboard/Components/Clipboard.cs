using Microsoft.JSInterop;

namespace CustomGpt.Dashboard.Components;

/// <summary>Copies text through app.js (customGpt.copyText); false when the browser blocked it.</summary>
public static class Clipboard
{
    public const string Blocked = "Copying was blocked by the browser: select the text and copy it.";

    public static async Task<bool> CopyAsync(IJSRuntime js, string text)
    {
        try
        {
            return await js.InvokeAsync<bool>("customGpt.copyText", text);
        }
        catch (JSException)
        {
            return false;
        }
    }
}
