namespace CustomGpt.ModelApi.Apis;

/// <summary>The check every chat route makes on its messages before anything is rendered.</summary>
static class ChatMessages
{
    public static readonly string[] Roles = ["system", "user", "assistant", "tool"];

    /// <summary>Null when each message has a known role and a content; else a 400 naming the first bad one, e.g. messages[2].role.</summary>
    public static IResult? Check(string field, IReadOnlyList<(string? Role, string? Content)> messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not { Role: { Length: > 0 } role, Content: not null })
                return JsonBody.Invalid($"{field}[{i}]", $"'{field}[{i}]' must be an object with a 'role' and a 'content' string.");
            if (!Roles.Contains(role))
                return JsonBody.Invalid($"{field}[{i}].role", $"'role' must be one of {string.Join(", ", Roles)} (got '{Shorten(role)}').");
        }
        return null;
    }

    static string Shorten(string text) => text.Length <= 32 ? text : text[..32] + "...";
}
