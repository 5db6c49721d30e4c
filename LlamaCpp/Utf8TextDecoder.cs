using System.Text;

namespace CustomGpt.LlamaCpp;

/// <summary>
/// Turns a stream of token pieces into text. A piece may end in the middle of a multi-byte
/// character; those bytes are held back until the character completes, so every string handed
/// out is valid UTF-8 and no byte is lost or repeated. Invalid bytes become U+FFFD.
/// </summary>
public sealed class Utf8TextDecoder
{
    readonly Decoder decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    char[] buffer = new char[64];

    public string Push(ReadOnlySpan<byte> bytes) => Decode(bytes, flush: false);

    /// <summary>Whatever is still held back; an incomplete character at the very end becomes U+FFFD.</summary>
    public string Flush() => Decode([], flush: true);

    string Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        var needed = decoder.GetCharCount(bytes, flush);
        if (needed > buffer.Length) buffer = new char[Math.Max(needed, buffer.Length * 2)];
        var n = decoder.GetChars(bytes, buffer, flush);
        return n == 0 ? "" : new string(buffer, 0, n);
    }
}
