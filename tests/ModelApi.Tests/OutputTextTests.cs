using System.Text;
using CustomGpt.ModelApi.Generation;

namespace CustomGpt.ModelApi.Tests;

public class OutputTextTests
{
    static (string Joined, List<string> Parts, string? Reason) Run(string text, int? numChars, string[] stops, int bytesPerPiece = 1)
    {
        var output = new OutputText(numChars, stops);
        var bytes = Encoding.UTF8.GetBytes(text);
        var parts = new List<string>();
        for (var i = 0; i < bytes.Length && output.FinishReason is null; i += bytesPerPiece)
            parts.Add(output.Push(bytes.AsSpan(i, Math.Min(bytesPerPiece, bytes.Length - i))));
        parts.Add(output.Complete());
        Assert.Equal(string.Concat(parts), output.Text);
        return (output.Text, parts, output.FinishReason);
    }

    [Fact]
    public void A_stop_split_across_pieces_is_found_and_never_released()
    {
        var (text, parts, reason) = Run("hello STOP world", null, ["STOP"]);
        Assert.Equal("hello ", text);
        Assert.Equal(FinishReasons.Stop, reason);
        Assert.DoesNotContain(parts, p => p.Contains('S'));
    }

    [Fact]
    public void Text_that_only_looked_like_a_stop_is_released_later()
    {
        var (text, _, reason) = Run("a STAB b", null, ["STOP"]);
        Assert.Equal("a STAB b", text);
        Assert.Null(reason);
    }

    [Fact]
    public void The_earliest_of_several_stops_wins()
    {
        Assert.Equal("x", Run("x-yz", null, ["z", "-"]).Joined);
    }

    [Theory]
    [InlineData("日本語のテキスト", 3, "日本語")]
    [InlineData("a🙂b🙂c", 4, "a🙂b🙂")]
    [InlineData("abc", 3, "abc")]
    public void Num_chars_counts_characters_not_bytes_or_utf16_units(string input, int n, string expected)
    {
        var (text, _, reason) = Run(input, n, []);
        Assert.Equal(expected, text);
        Assert.Equal(FinishReasons.Length, reason);
    }

    [Fact]
    public void A_stop_after_the_length_limit_does_not_matter()
    {
        var (text, _, reason) = Run("abcdef STOP", 4, ["STOP"]);
        Assert.Equal("abcd", text);
        Assert.Equal(FinishReasons.Length, reason);
    }

    [Fact]
    public void Multi_byte_stop_sequences_match_across_byte_pieces()
    {
        var (text, _, reason) = Run("日本語🙂の", null, ["🙂"]);
        Assert.Equal("日本語", text);
        Assert.Equal(FinishReasons.Stop, reason);
    }
}
