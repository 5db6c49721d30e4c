using System.Text;

namespace CustomGpt.Trainer.Tests;

/// <summary>Small training texts written by the tests: a few sentences of plain English, varied by a seeded generator.</summary>
public static class TestTexts
{
    static readonly string[] Subjects = ["the farmer", "a young man", "the old woman", "the king", "his brother", "the people", "my sister", "the servant"];
    static readonly string[] Verbs = ["went down to", "came up from", "looked upon", "walked through", "spoke unto", "returned to", "waited by", "sang before"];
    static readonly string[] Objects = ["the river", "the city", "the field", "the house of bread", "the great sea", "the mountain", "the gate", "the garden"];
    static readonly string[] Endings = [" in the morning.", " at evening.", ", and rested.", ", and was glad.", " with all his sheep.", " and said nothing."];

    /// <summary>About <paramref name="characters"/> characters: one sentence per line.</summary>
    public static string Sentences(int characters, int seed = 3)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder();
        while (sb.Length < characters)
        {
            var line = $"{Subjects[rng.Next(Subjects.Length)]} {Verbs[rng.Next(Verbs.Length)]} {Objects[rng.Next(Objects.Length)]}{Endings[rng.Next(Endings.Length)]}";
            sb.Append(char.ToUpperInvariant(line[0])).Append(line.AsSpan(1)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Every word the sentence generator can produce, lower case.</summary>
    public static IReadOnlySet<string> Words { get; } = Subjects.Concat(Verbs).Concat(Objects).Concat(Endings)
        .SelectMany(s => s.Split([' ', ',', '.'], StringSplitOptions.RemoveEmptyEntries))
        .Select(w => w.ToLowerInvariant()).ToHashSet();

    public static string WriteTemp(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
