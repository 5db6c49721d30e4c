namespace CustomGpt.LlamaCpp;

/// <summary>llama.cpp refused an operation (it returned NULL or an error code), or an argument was caught before it could.</summary>
public sealed class LlamaException(string message) : Exception(message);
