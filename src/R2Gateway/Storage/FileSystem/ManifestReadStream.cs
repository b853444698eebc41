using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>
/// A multipart object's bytes read through its manifest: the parts stay the files they were uploaded
/// as, and a position maps to (part, offset) by binary search. The shared lock on the parts' pin file,
/// held until disposed, keeps a replaced or deleted version's parts on disk while this reader uses them.
/// </summary>
internal sealed class ManifestReadStream : ObjectReadStream
{
    private readonly string _dir;
    private readonly PartManifest _manifest;
    private readonly FileStream _pin;
    private SafeFileHandle? _open;
    private int _openIndex = -1;

    public ManifestReadStream(string dir, PartManifest manifest, FileStream pin)
        : base(manifest.Length)
    {
        _dir = dir;
        _manifest = manifest;
        _pin = pin;
    }

    public override int Read(Span<byte> buffer)
    {
        if (Readable(buffer.Length) is var want and > 0 && Locate(out var handle, out var offset, ref want))
        {
            return Advance(RandomAccess.Read(handle, buffer[..want], offset));
        }

        return 0;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Readable(buffer.Length) is var want and > 0 && Locate(out var handle, out var offset, ref want))
        {
            return Advance(await RandomAccess.ReadAsync(handle, buffer[..want], offset, cancellationToken));
        }

        return 0;
    }

    /// <summary>The part holding <see cref="Stream.Position"/>, the offset in it, and how much of
    /// <paramref name="want"/> it can give.</summary>
    private bool Locate(out SafeFileHandle handle, out long offset, ref int want)
    {
        var index = _manifest.IndexOf(Position);
        if (index != _openIndex)
        {
            _open?.Dispose();
            _open = null;
            var path = Path.Combine(_dir, FileSystemObjectStore.PartFileName(_manifest.Parts[index].PartNumber));
            _open = ReadOnlyFile.Open(path);
            _openIndex = index;
        }

        handle = _open!;
        offset = Position - _manifest.Starts[index];
        want = (int)Math.Min(want, _manifest.Parts[index].Size - offset);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _open?.Dispose();
            _pin.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The parts a multipart object is made of, in order: stored as the data of its object file,
/// 12 bytes a part (part number, size), so 10,000 parts take 120 KB.</summary>
internal sealed class PartManifest
{
    private const int EntrySize = sizeof(int) + sizeof(long);

    public PartManifest(IReadOnlyList<(int PartNumber, long Size)> parts)
    {
        Parts = parts;
        Starts = new long[parts.Count];
        long at = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            Starts[i] = at;
            at += parts[i].Size;
        }

        Length = at;
    }

    public IReadOnlyList<(int PartNumber, long Size)> Parts { get; }

    public long[] Starts { get; }

    public long Length { get; }

    public int IndexOf(long position)
    {
        var i = Array.BinarySearch(Starts, position);
        i = i >= 0 ? i : ~i - 1;

        // Zero-length parts (only a lone last part can be empty) share a start; take the one holding bytes.
        while (i < Parts.Count - 1 && Parts[i].Size == 0)
        {
            i++;
        }

        return i;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Parts.Count * EntrySize];
        for (var i = 0; i < Parts.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * EntrySize), Parts[i].PartNumber);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan((i * EntrySize) + sizeof(int)), Parts[i].Size);
        }

        return bytes;
    }

    public static PartManifest Read(SafeFileHandle handle, long dataLength, string path)
    {
        if (dataLength % EntrySize != 0 || dataLength == 0 || dataLength > MultipartRules.MaxParts * EntrySize)
        {
            throw new InvalidDataException($"'{path}' has a damaged part manifest.");
        }

        var bytes = new byte[dataLength];
        if (RandomAccess.Read(handle, bytes, 0) != dataLength)
        {
            throw new InvalidDataException($"'{path}' has a damaged part manifest.");
        }

        var parts = new (int, long)[dataLength / EntrySize];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = (BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * EntrySize)),
                BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((i * EntrySize) + sizeof(int))));
        }

        return new PartManifest(parts);
    }
}
