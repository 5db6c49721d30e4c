using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

/// <summary>
/// Turns chat messages into a prompt: the model's own template (GGUF tokenizer.chat_template) when
/// llama.cpp knows it, otherwise plain "role: content" lines ending with "assistant:".
/// </summary>
public static unsafe partial class ChatTemplate
{
    /// <summary>Where the plain format's reply should end: the next speaker's line.</summary>
    public const string PlainStop = "\nuser:";

    // Each content is rendered as a slot marker (private-use characters no template alters), so the
    // rendered text splits exactly into template text and the contents, which are put back as given.
    [GeneratedRegex("\uE000([0-9]+)\uE001")]
    private static partial Regex Slot();

    public static ChatPrompt Format(LlamaModel model, IReadOnlyList<ChatMessage> messages)
    {
        var slots = messages.Select((m, i) => m with { Content = $"\uE000{i}\uE001" }).ToArray();
        if (Render(model, slots) is { } rendered) return new ChatPrompt(Split(rendered, messages), Plain: false);
        var parts = new List<PromptPart>();
        foreach (var m in messages) parts.Add(new PromptPart($"{m.Role}: {m.Content}\n", IsTemplate: false));
        parts.Add(new PromptPart("assistant:", IsTemplate: false));
        return new ChatPrompt(parts, Plain: true);
    }

    /// <summary>Whether the model carries a chat template that llama.cpp can apply.</summary>
    public static bool IsAvailable(LlamaModel model) => Render(model, [new ChatMessage("user", "hi")]) is not null;

    static string? Render(LlamaModel model, IReadOnlyList<ChatMessage> messages)
    {
        using var m = model.Lease();
        // The template string belongs to the model: used only while the model is held.
        var template = NativeMethods.llama_model_chat_template(m.Ptr, null);
        return template == 0 ? null : Apply(template, messages);
    }

    static List<PromptPart> Split(string rendered, IReadOnlyList<ChatMessage> messages)
    {
        var parts = new List<PromptPart>();
        var at = 0;
        foreach (Match slot in Slot().Matches(rendered))
        {
            if (slot.Index > at) parts.Add(new PromptPart(rendered[at..slot.Index], IsTemplate: true));
            parts.Add(new PromptPart(messages[int.Parse(slot.Groups[1].ValueSpan)].Content, IsTemplate: false));
            at = slot.Index + slot.Length;
        }
        if (at < rendered.Length) parts.Add(new PromptPart(rendered[at..], IsTemplate: true));
        return parts;
    }

    static string? Apply(nint template, IReadOnlyList<ChatMessage> messages)
    {
        var handles = new List<GCHandle>();
        try
        {
            byte* Pin(string s)
            {
                var h = GCHandle.Alloc(Encoding.UTF8.GetBytes(s + "\0"), GCHandleType.Pinned);
                handles.Add(h);
                return (byte*)h.AddrOfPinnedObject();
            }
            var chat = new LlamaChatMessage[messages.Count];
            for (var i = 0; i < chat.Length; i++) chat[i] = new LlamaChatMessage { role = Pin(messages[i].Role), content = Pin(messages[i].Content) };
            var size = 256 + 2 * messages.Sum(m => Encoding.UTF8.GetByteCount(m.Content) + m.Role.Length + 16);
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var buffer = new byte[size];
                int n;
                fixed (LlamaChatMessage* c = chat)
                fixed (byte* b = buffer)
                    n = NativeMethods.llama_chat_apply_template(template, c, (nuint)chat.Length, addAssistant: true, b, buffer.Length);
                if (n < 0) return null; // a template llama.cpp does not know
                if (n <= buffer.Length) return Encoding.UTF8.GetString(buffer, 0, n);
                size = n;
            }
            return null;
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }
}
