using System.Text;

namespace CustomGpt.LlamaCpp.Tests;

public class Utf8TextDecoderTests
{
    [Theory]
    [InlineData("日本語")]
    [InlineData("a🙂b")]
    [InlineData("çé mixed ascii 🙂🙂")]
    public void Characters_split_across_pieces_come_out_whole_and_once(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var decoder = new Utf8TextDecoder();
        var outputs = new List<string>();
        foreach (var b in bytes) outputs.Add(decoder.Push([b])); // the worst split: one byte per piece
        outputs.Add(decoder.Flush());
        Assert.Equal(text, string.Concat(outputs));
        Assert.All(outputs, s => Assert.DoesNotContain('\uFFFD', s));
        Assert.All(outputs, s => Assert.False(s.Length > 0 && char.IsHighSurrogate(s[^1]), "a piece ended in half a surrogate pair"));
    }

    [Fact]
    public void A_character_cut_off_at_the_end_becomes_one_replacement_character()
    {
        var decoder = new Utf8TextDecoder();
        Assert.Equal("a", decoder.Push([(byte)'a', 0xE6, 0x97]));
        Assert.Equal("\uFFFD", decoder.Flush());
    }
}
