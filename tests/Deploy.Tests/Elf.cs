using System.Buffers.Binary;
using System.Text;

namespace CustomGpt.Deploy.Tests;

/// <summary>The DT_NEEDED entries of a 64-bit little-endian ELF shared library (what `readelf -d` lists).</summary>
static class Elf
{
    public static IReadOnlyList<string> Needed(string path)
    {
        var b = File.ReadAllBytes(path);
        if (b.Length < 64 || b[0] != 0x7F || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || b[4] != 2 || b[5] != 1)
            throw new FormatException(path + " is not a 64-bit little-endian ELF file");
        ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan((int)at));
        uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)at));
        ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)at));

        var sectionsAt = (long)U64(0x28);
        var sectionSize = U16(0x3A);
        var sectionCount = U16(0x3C);
        long Section(int i) => sectionsAt + (long)i * sectionSize;

        var needed = new List<string>();
        for (var i = 0; i < sectionCount; i++)
        {
            var s = Section(i);
            if (U32(s + 4) != 6) continue; // SHT_DYNAMIC
            var offset = (long)U64(s + 0x18);
            var size = (long)U64(s + 0x20);
            var strings = (long)U64(Section((int)U32(s + 0x28)) + 0x18); // sh_link: its string table
            for (var e = offset; e + 16 <= offset + size; e += 16)
            {
                var tag = U64(e);
                if (tag == 0) break; // DT_NULL
                if (tag != 1) continue; // DT_NEEDED
                var start = strings + (long)U64(e + 8);
                var end = start;
                while (b[end] != 0) end++;
                needed.Add(Encoding.ASCII.GetString(b, (int)start, (int)(end - start)));
            }
        }
        return needed;
    }
}
