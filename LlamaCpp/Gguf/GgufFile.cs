namespace CustomGpt.LlamaCpp;

/// <summary>Cheap checks on a file before llama.cpp opens it.</summary>
public static class GgufFile
{
    public const uint Magic = 0x46554747; // "GGUF" little-endian

    /// <summary>Throws <see cref="LlamaException"/> with a plain reason when the file is missing or not GGUF.</summary>
    public static void EnsureLooksValid(string path)
    {
        if (!File.Exists(path)) throw new LlamaException($"Model file not found: {path}");
        using var stream = File.OpenRead(path);
        if (stream.Length < 24) throw new LlamaException($"'{Path.GetFileName(path)}' is too short ({stream.Length} bytes) to be a GGUF model.");
        using var reader = new BinaryReader(stream);
        if (reader.ReadUInt32() != Magic) throw new LlamaException($"'{Path.GetFileName(path)}' is not a GGUF file (wrong magic bytes).");
        var version = reader.ReadUInt32();
        if (version is < 2 or > 3) throw new LlamaException($"'{Path.GetFileName(path)}' has GGUF version {version}; versions 2 and 3 are supported.");
    }
}
