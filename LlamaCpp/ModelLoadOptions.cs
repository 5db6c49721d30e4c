namespace CustomGpt.LlamaCpp;

/// <summary>How a model's weights come into memory.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Map the file (its pages stay in the OS cache and count as resident) rather than read
    /// the weights into memory of their own.</summary>
    public bool MapFile { get; init; } = true;

    /// <summary>Let the CPU backend repack weights into the layouts its fastest kernels read
    /// (llama.cpp's extra buffer types). Repacked weights are a copy: a mapped file's pages stay too.</summary>
    public bool RepackWeights { get; init; } = true;
}
