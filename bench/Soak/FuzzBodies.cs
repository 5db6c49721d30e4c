using System.Text;
using System.Text.Json.Nodes;

namespace CustomGpt.Bench.Soak;

/// <summary>
/// Request bodies that a careless or hostile caller sends: wrong types, missing and extra fields, huge and
/// negative numbers, NaN as text, deep nesting, invalid UTF-8, nulls inside arrays, enormous strings,
/// cut-off JSON. The same seed gives the same bodies, so a failing one can be replayed (and kept as a test).
/// </summary>
public sealed class FuzzBodies(int seed)
{
    /// <summary>The routes that take a body, each with a small valid request to start mutating from.</summary>
    public static readonly IReadOnlyDictionary<string, string> ValidBodies = new Dictionary<string, string>
    {
        ["/generate"] = """{"prompt":"In the beginning","seed":1,"temperature":0.8,"num_chars":8,"top_k":40,"top_p":0.9,"min_p":0.05,"repeat_penalty":1.1,"stop":["."],"ignore_eos":true,"stream":false}""",
        ["/tokenize"] = """{"text":"In the beginning"}""",
        ["/v1/completions"] = """{"model":"m","prompt":"In the beginning","max_tokens":8,"temperature":0.5,"top_p":0.9,"seed":1,"stop":"x","n":1,"stream":false}""",
        ["/v1/chat/completions"] = """{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello"}],"max_tokens":8,"temperature":0.5,"seed":1,"stream":false}""",
    };

    readonly Random random = new(seed);

    static readonly JsonNode?[] OddValues =
    [
        null, true, false, 0, -1, 1, 2147483648L, -2147483649L, long.MaxValue, 9007199254740993L, 1e308, -1e308, 1e-50, 1e-39, 0.5,
        "", "NaN", "Infinity", "-1", "1e999", "\u0000", new string('x', 1000), new JsonArray(), new JsonArray(null, 1, "a"), new JsonObject(),
        new JsonObject { ["a"] = new JsonArray(new JsonObject()) },
    ];

    /// <summary>The next body for <paramref name="route"/>, as raw bytes (some are not valid UTF-8 or JSON).</summary>
    public byte[] Next(string route)
    {
        var valid = ValidBodies[route];
        return random.Next(12) switch
        {
            0 => Encoding.UTF8.GetBytes(valid[..random.Next(valid.Length)]), // cut off anywhere
            1 => Nested(random.Next(2) == 0 ? 64 : 5000),
            2 => InvalidUtf8(valid),
            3 => Encoding.UTF8.GetBytes(Pick(["", "null", "[]", "0", "\"text\"", "{}", "[null]", "{\"\":1}", "{\"prompt\":\"a\",\"prompt\":1}"])),
            4 => Encoding.UTF8.GetBytes(Enormous(route)),
            _ => Encoding.UTF8.GetBytes(Mutate(JsonNode.Parse(valid)!.AsObject()).ToJsonString()),
        };
    }

    JsonObject Mutate(JsonObject body)
    {
        var changes = 1 + random.Next(3);
        for (var i = 0; i < changes; i++)
        {
            var names = body.Select(p => p.Key).ToList();
            switch (random.Next(5))
            {
                case 0 when names.Count > 0: body.Remove(Pick([.. names])); break; // missing
                case 1: body["extra_" + random.Next(100)] = Odd(); break; // unknown field
                case 2 when body["messages"] is JsonArray messages: messages.Add(Odd()); break; // nulls and junk inside arrays
                case 3 when body["stop"] is JsonArray stop: stop.Add(null); break;
                default: if (names.Count > 0) body[Pick([.. names])] = Odd(); break; // wrong type or value
            }
        }
        return body;
    }

    JsonNode? Odd() => OddValues[random.Next(OddValues.Length)]?.DeepClone();

    /// <summary>A body near the 1 MiB limit: one huge string where the route takes text.</summary>
    string Enormous(string route)
    {
        var text = new string('a', 200_000 + random.Next(600_000));
        return route switch
        {
            "/tokenize" => new JsonObject { ["text"] = text }.ToJsonString(),
            "/v1/chat/completions" => new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }), ["max_tokens"] = 4 }.ToJsonString(),
            _ => new JsonObject { ["prompt"] = text, ["max_tokens"] = 4 }.ToJsonString(),
        };
    }

    static byte[] Nested(int depth) => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));

    byte[] InvalidUtf8(string valid)
    {
        var bytes = Encoding.UTF8.GetBytes(valid).ToList();
        var at = valid.IndexOf("In the", StringComparison.Ordinal);
        bytes.InsertRange(at < 0 ? bytes.Count / 2 : at, Pick<byte[]>([[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]));
        return [.. bytes];
    }

    T Pick<T>(T[] items) => items[random.Next(items.Length)];
}
