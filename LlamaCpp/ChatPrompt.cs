namespace CustomGpt.LlamaCpp;

/// <summary>One message of a conversation, as a chat template takes it.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>A piece of a prompt: the chat template's own text, whose markers become the model's special
/// tokens, or a message's content, which is always plain text (it can never become a control token).</summary>
public readonly record struct PromptPart(string Text, bool IsTemplate);

/// <summary>A conversation rendered for the model. <paramref name="Plain"/>: the model has no template
/// (or one llama.cpp does not know), so the parts are "role: content" lines ending with "assistant:".</summary>
public sealed record ChatPrompt(IReadOnlyList<PromptPart> Parts, bool Plain)
{
    public long Length => Parts.Sum(p => (long)p.Text.Length);
}
