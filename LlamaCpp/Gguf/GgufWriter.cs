using System.Text;

namespace CustomGpt.LlamaCpp.Gguf;

/// <summary>ggml tensor types we write. Values are ggml's enum ggml_type.</summary>
public enum GgmlType : uint { F32 = 0, F16 = 1 }

/// <summary>
/// Writes GGUF version 3 files (ggml docs/gguf.md): header, metadata, tensor infos, aligned data.
/// Tensor data is produced by a callback so multi-gigabyte models stream to disk.
/// </summary>
public sealed class GgufWriter
{
    const int Alignment = 32;

    enum ValueType : uint { UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9 }

    sealed record Tensor(string Name, long[] Shape, GgmlType Type, Action<Stream> Write)
    {
        public long ByteSize => Shape.Aggregate(1L, (a, b) => a * b) * (Type == GgmlType.F32 ? 4 : 2);
    }

    readonly List<(string Key, Action<BinaryWriter> Write)> metadata = [];
    readonly List<Tensor> tensors = [];

    public GgufWriter Add(string key, string value) => AddValue(key, w => { w.Write((uint)ValueType.String); WriteString(w, value); });
    public GgufWriter Add(string key, uint value) => AddValue(key, w => { w.Write((uint)ValueType.UInt32); w.Write(value); });
    public GgufWriter Add(string key, float value) => AddValue(key, w => { w.Write((uint)ValueType.Float32); w.Write(value); });
    public GgufWriter Add(string key, bool value) => AddValue(key, w => { w.Write((uint)ValueType.Bool); w.Write(value); });

    public GgufWriter Add(string key, IReadOnlyList<string> values) => AddArray(key, ValueType.String, values.Count, w => { foreach (var v in values) WriteString(w, v); });
    public GgufWriter Add(string key, IReadOnlyList<float> values) => AddArray(key, ValueType.Float32, values.Count, w => { foreach (var v in values) w.Write(v); });
    public GgufWriter Add(string key, IReadOnlyList<int> values) => AddArray(key, ValueType.Int32, values.Count, w => { foreach (var v in values) w.Write(v); });

    /// <summary>Adds a tensor. <paramref name="shape"/> is ggml order: the row length first.
    /// <paramref name="write"/> must write exactly the tensor's bytes.</summary>
    public GgufWriter AddTensor(string name, long[] shape, GgmlType type, Action<Stream> write)
    {
        tensors.Add(new Tensor(name, shape, type, write));
        return this;
    }

    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = path + ".partial";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(GgufFile.Magic);
            w.Write(3u);
            w.Write((ulong)tensors.Count);
            w.Write((ulong)metadata.Count);
            foreach (var (key, write) in metadata)
            {
                WriteString(w, key);
                write(w);
            }
            ulong offset = 0;
            foreach (var t in tensors)
            {
                WriteString(w, t.Name);
                w.Write((uint)t.Shape.Length);
                foreach (var d in t.Shape) w.Write((ulong)d);
                w.Write((uint)t.Type);
                w.Write(offset);
                offset += (ulong)Align(t.ByteSize);
            }
            w.Flush();
            Pad(stream);
            foreach (var t in tensors)
            {
                var start = stream.Position;
                t.Write(stream);
                if (stream.Position - start != t.ByteSize)
                    throw new InvalidOperationException($"Tensor {t.Name} wrote {stream.Position - start} bytes, expected {t.ByteSize}.");
                Pad(stream);
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    GgufWriter AddValue(string key, Action<BinaryWriter> write)
    {
        metadata.Add((key, write));
        return this;
    }

    GgufWriter AddArray(string key, ValueType type, int count, Action<BinaryWriter> writeItems) => AddValue(key, w =>
    {
        w.Write((uint)ValueType.Array);
        w.Write((uint)type);
        w.Write((ulong)count);
        writeItems(w);
    });

    static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    static long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    static void Pad(Stream stream)
    {
        var pad = Align(stream.Position) - stream.Position;
        for (var i = 0; i < pad; i++) stream.WriteByte(0);
    }
}
