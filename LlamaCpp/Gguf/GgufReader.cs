using System.Text;

namespace CustomGpt.LlamaCpp.Gguf;

/// <summary>
/// Reads the metadata and tensor table of a GGUF v2/v3 file (ggml docs/gguf.md) without loading
/// tensor data. Values become .NET objects: numbers, bool, string, or object[] for arrays.
/// </summary>
public sealed class GgufReader
{
    enum ValueType : uint
    {
        UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
        String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
    }

    const long MaxStringBytes = 1L << 30;

    GgufReader(Dictionary<string, object> metadata, List<GgufTensorInfo> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    public IReadOnlyDictionary<string, object> Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    public string? GetString(string key) => Metadata.TryGetValue(key, out var v) ? v as string : null;

    public static GgufReader Read(string path)
    {
        GgufFile.EnsureLooksValid(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            r.ReadUInt32(); // magic, checked above
            r.ReadUInt32(); // version, checked above
            var tensorCount = (long)r.ReadUInt64();
            var kvCount = (long)r.ReadUInt64();
            if (tensorCount is < 0 or > 1_000_000 || kvCount is < 0 or > 1_000_000)
                throw new LlamaException($"'{Path.GetFileName(path)}' has an implausible header ({tensorCount} tensors, {kvCount} keys).");
            var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
            for (long i = 0; i < kvCount; i++)
            {
                var key = ReadString(r);
                var type = (ValueType)r.ReadUInt32();
                metadata[key] = ReadValue(r, type);
            }
            var infos = new List<(string Name, long[] Shape, uint Type, ulong Offset)>();
            for (long i = 0; i < tensorCount; i++)
            {
                var name = ReadString(r);
                var dims = r.ReadUInt32();
                if (dims is 0 or > 4) throw new LlamaException($"Tensor {name} has {dims} dimensions.");
                var shape = new long[dims];
                for (var d = 0; d < dims; d++) shape[d] = (long)r.ReadUInt64();
                infos.Add((name, shape, r.ReadUInt32(), r.ReadUInt64()));
            }
            var alignment = metadata.TryGetValue("general.alignment", out var a) ? Convert.ToInt64(a, System.Globalization.CultureInfo.InvariantCulture) : 32;
            var dataStart = (stream.Position + alignment - 1) / alignment * alignment;
            var tensors = infos.Select(t => new GgufTensorInfo(t.Name, t.Shape, t.Type, dataStart + (long)t.Offset)).ToList();
            return new GgufReader(metadata, tensors);
        }
        catch (EndOfStreamException)
        {
            throw new LlamaException($"'{Path.GetFileName(path)}' ends in the middle of its GGUF header.");
        }
    }

    static string ReadString(BinaryReader r)
    {
        var length = r.ReadUInt64();
        if (length > MaxStringBytes) throw new LlamaException($"A GGUF string of {length} bytes is implausible.");
        return Encoding.UTF8.GetString(r.ReadBytes((int)length));
    }

    static object ReadValue(BinaryReader r, ValueType type) => type switch
    {
        ValueType.UInt8 => r.ReadByte(),
        ValueType.Int8 => r.ReadSByte(),
        ValueType.UInt16 => r.ReadUInt16(),
        ValueType.Int16 => r.ReadInt16(),
        ValueType.UInt32 => r.ReadUInt32(),
        ValueType.Int32 => r.ReadInt32(),
        ValueType.Float32 => r.ReadSingle(),
        ValueType.Bool => r.ReadByte() != 0,
        ValueType.String => ReadString(r),
        ValueType.UInt64 => r.ReadUInt64(),
        ValueType.Int64 => r.ReadInt64(),
        ValueType.Float64 => r.ReadDouble(),
        ValueType.Array => ReadArray(r),
        _ => throw new LlamaException($"Unknown GGUF value type {(uint)type}."),
    };

    static object[] ReadArray(BinaryReader r)
    {
        var type = (ValueType)r.ReadUInt32();
        var count = r.ReadUInt64();
        if (count > 100_000_000) throw new LlamaException($"A GGUF array of {count} items is implausible.");
        var items = new object[count];
        for (ulong i = 0; i < count; i++) items[i] = ReadValue(r, type);
        return items;
    }
}
