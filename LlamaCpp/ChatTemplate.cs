using System.Runtime.InteropServices;
using System.Text;
using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

public sealed record ChatMessage(string Role, string Content);

/// <summary>
/// Turns chat messages into a prompt: the model's own template (GGUF tokenizer.chat_template) when
/// llama.cpp knows it, otherwise plain "role: content" lines ending with "assistant:".
/// </summary>
public static unsafe class ChatTemplate
{
    /// <summary>Where the plain format's reply should end: the next speaker's line.</summary>
    public const string PlainStop = "\nuser:";

    public static (string Prompt, bool Plain) Format(LlamaModel model, IReadOnlyList<ChatMessage> messages)
    {
        using (var m = model.Lease())
        {
            // The template string belongs to the model: used only while the model is held.
            var template = NativeMethods.llama_model_chat_template(m.Ptr, null);
            if (template != 0 && Apply(template, messages) is { } prompt) return (prompt, false);
        }
        var sb = new StringBuilder();
        foreach (var m in messages) sb.Append(m.Role).Append(": ").Append(m.Content).Append('\n');
        return (sb.Append("assistant:").ToString(), true);
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
