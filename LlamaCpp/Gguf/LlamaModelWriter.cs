using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CustomGpt.LlamaCpp.Gguf;

/// <summary>
/// Writes a llama-architecture GGUF with small random weights: what tests and benchmarks load.
/// Every block has its own output.weight (llama.cpp does not train tied embeddings).
/// </summary>
public static class LlamaModelWriter
{
    public static void WriteRandom(string path, ModelShape shape, Vocabulary vocabulary, string name, ulong seed = 1, GgmlType weights = GgmlType.F32)
    {
        shape.Validate();
        var gguf = new GgufWriter();
        DescribeModel(gguf, shape, vocabulary, name, weights);
        var rng = new SplitMix(seed);
        long n = shape.EmbeddingLength, ff = shape.FeedForwardLength, kv = (long)shape.HeadDimension * shape.KvHeads, v = vocabulary.Count;
        // Scale 1/sqrt(fan-in) keeps activations of a random network in a sane range.
        void Matrix(string tensor, long cols, long rows) =>
            gguf.AddTensor(tensor, [cols, rows], weights, s => WriteRandomValues(s, cols * rows, 1f / MathF.Sqrt(cols), weights, rng));
        void Norm(string tensor) => gguf.AddTensor(tensor, [n], GgmlType.F32, s => WriteConstant(s, n, 1f));

        Matrix("token_embd.weight", n, v);
        for (var i = 0; i < shape.Layers; i++)
        {
            Norm($"blk.{i}.attn_norm.weight");
            Matrix($"blk.{i}.attn_q.weight", n, n);
            Matrix($"blk.{i}.attn_k.weight", n, kv);
            Matrix($"blk.{i}.attn_v.weight", n, kv);
            Matrix($"blk.{i}.attn_output.weight", n, n);
            Norm($"blk.{i}.ffn_norm.weight");
            Matrix($"blk.{i}.ffn_gate.weight", n, ff);
            Matrix($"blk.{i}.ffn_up.weight", n, ff);
            Matrix($"blk.{i}.ffn_down.weight", ff, n);
        }
        Norm("output_norm.weight");
        Matrix("output.weight", n, v);
        gguf.Save(path);
    }

    /// <summary>The general.*, llama.* and tokenizer keys llama.cpp needs to load the model.</summary>
    public static void DescribeModel(GgufWriter gguf, ModelShape shape, Vocabulary vocabulary, string name, GgmlType weights)
    {
        gguf.Add("general.architecture", "llama")
            .Add("general.name", name)
            .Add("general.file_type", weights == GgmlType.F32 ? 0u : 1u)
            .Add("llama.context_length", (uint)shape.ContextLength)
            .Add("llama.embedding_length", (uint)shape.EmbeddingLength)
            .Add("llama.block_count", (uint)shape.Layers)
            .Add("llama.feed_forward_length", (uint)shape.FeedForwardLength)
            .Add("llama.attention.head_count", (uint)shape.Heads)
            .Add("llama.attention.head_count_kv", (uint)shape.KvHeads)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .Add("llama.rope.dimension_count", (uint)shape.HeadDimension)
            .Add("llama.rope.freq_base", 10000f)
            .Add("llama.vocab_size", (uint)vocabulary.Count);
        vocabulary.WriteTo(gguf);
    }

    static void WriteRandomValues(Stream s, long count, float scale, GgmlType type, SplitMix rng)
    {
        var floats = new float[64 * 1024];
        var halfs = new Half[floats.Length];
        for (long done = 0; done < count; done += floats.Length)
        {
            var k = (int)Math.Min(floats.Length, count - done);
            for (var i = 0; i < k; i++) floats[i] = rng.NextSigned() * scale;
            if (type == GgmlType.F32)
            {
                s.Write(MemoryMarshal.AsBytes(floats.AsSpan(0, k)));
            }
            else
            {
                for (var i = 0; i < k; i++) halfs[i] = (Half)floats[i];
                s.Write(MemoryMarshal.AsBytes(halfs.AsSpan(0, k)));
            }
        }
    }

    static void WriteConstant(Stream s, long count, float value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        for (long i = 0; i < count; i++) s.Write(bytes);
    }

    /// <summary>A small, fast, seedable generator so the same seed gives the same file everywhere.</summary>
    sealed class SplitMix(ulong state)
    {
        public float NextSigned()
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 40) * (2f / (1 << 24)) - 1f; // uniform in [-1, 1)
        }
    }
}
