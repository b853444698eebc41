using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>
/// The on-disk format of objects and parts: the bytes, then a JSON trailer describing them, then a
/// fixed footer (trailer length, magic). Data and its description live in one file, so one rename
/// publishes both atomically and an open handle always sees a matching pair.
/// </summary>
internal static class BlobFile
{
    // What one step of the put pipeline hashes and writes: half of Kestrel's request buffer (256 KiB,
    // GatewayLimits), so the server receives the next chunk while this one is hashed and written.
    private const int ChunkSize = 128 * 1024;
    internal const long WritebackStride = 8 * 1024 * 1024;
    private const int FooterSize = sizeof(int) + 8;
    // Metadata is at most 8 KiB (ObjectMetadataRules) and a key 1 KiB, but JSON may escape each
    // byte as six; the cap only bounds what a damaged file can make the reader allocate.
    private const int MaxTrailerSize = 1024 * 1024;

    private static ReadOnlySpan<byte> Magic => "R2GWBLB1"u8;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Streams <paramref name="source"/> into <paramref name="destination"/> from offset 0, computing
    /// the MD5 and, when asked, one additional checksum on the way; more than <paramref name="limit"/> bytes is
    /// <see cref="StoreErrorCode.EntityTooLarge"/>. With <paramref name="startWriteback"/> the disk write of
    /// what was written starts every <see cref="WritebackStride"/> bytes, so a closing fsync is short.</summary>
    /// <remarks>A pipeline over the body's own buffers (<see cref="PipeBodyStream"/>; any other stream is read
    /// through a <see cref="PipeReader"/>): each chunk the server has received is MD5-hashed on this thread
    /// while a pool thread writes it (one gather write) and another computes the extra checksum, and the
    /// server receives the next chunk meanwhile. MD5 is serial, so it must never wait for the disk.</remarks>
    public static async Task<(long Length, byte[] Md5, byte[]? Checksum)> CopyHashingAsync(
        Stream source, SafeFileHandle destination, long limit, ChecksumAlgorithm? checksum, bool startWriteback, CancellationToken cancellationToken)
    {
        var owned = source is not PipeBodyStream;
        var reader = source is PipeBodyStream body
            ? body.Reader
            : PipeReader.Create(source, new StreamPipeReaderOptions(bufferSize: ChunkSize, minimumReadSize: ChunkSize / 2, leaveOpen: true));
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var extra = checksum is { } algorithm ? Checksums.CreateHasher(algorithm) : null;
        var segments = new List<ReadOnlyMemory<byte>>();
        long total = 0, flushed = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAtLeastAsync(ChunkSize, cancellationToken);
                var chunk = result.Buffer;
                if (total + chunk.Length > limit)
                {
                    throw new StoreException(StoreErrorCode.EntityTooLarge, $"The body is larger than the {limit} bytes allowed here.");
                }

                if (!chunk.IsEmpty)
                {
                    segments.Clear();
                    foreach (var segment in chunk)
                    {
                        segments.Add(segment);
                    }

                    var offset = total;
                    var start = startWriteback && offset + chunk.Length - flushed >= WritebackStride ? flushed : -1;
                    // Neither task is ever abandoned: both read buffers that go back to the server after AdvanceTo.
                    var writing = Task.Run(() =>
                    {
                        RandomAccess.Write(destination, segments, offset);
                        if (start >= 0)
                        {
                            Writeback.Start(destination, start, offset + chunk.Length - start);
                        }
                    }, CancellationToken.None);
                    var extraHashing = extra is null ? Task.CompletedTask : Task.Run(() => AppendAll(extra.Append, chunk), CancellationToken.None);
                    try
                    {
                        AppendAll(md5.AppendData, chunk);
                    }
                    finally
                    {
                        await Task.WhenAll(writing, extraHashing);
                    }

                    total += chunk.Length;
                    if (start >= 0)
                    {
                        flushed = total;
                    }
                }

                reader.AdvanceTo(chunk.End);
                if (result.IsCompleted)
                {
                    return (total, md5.GetHashAndReset(), extra?.GetHash());
                }
            }
        }
        finally
        {
            if (owned)
            {
                await reader.CompleteAsync();
            }
        }
    }

    private delegate void Append(ReadOnlySpan<byte> data);

    private static void AppendAll(Append append, in ReadOnlySequence<byte> chunk)
    {
        foreach (var segment in chunk)
        {
            append(segment.Span);
        }
    }

    public static async Task AppendTrailerAsync<T>(FileStream file, T trailer, bool fsync, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(trailer, Json);
        if (json.Length > MaxTrailerSize)
        {
            throw new StoreException(StoreErrorCode.MetadataTooLarge, "The object's key and metadata are too large to store.");
        }

        var footer = new byte[FooterSize];
        BinaryPrimitives.WriteInt32LittleEndian(footer, json.Length);
        Magic.CopyTo(footer.AsSpan(sizeof(int)));
        await file.WriteAsync(json, cancellationToken);
        await file.WriteAsync(footer, cancellationToken);
        file.Flush(flushToDisk: fsync);
    }

    /// <summary>Reads the trailer of an open blob; returns it with the length of the data before it.</summary>
    public static (T Trailer, long DataLength) ReadTrailer<T>(SafeFileHandle handle, string path)
    {
        var (json, dataLength) = ReadTrailerJson(handle, path);
        return (Deserialize<T>(json, path), dataLength);
    }

    /// <summary>The trailer's JSON bytes, for a caller that reads more than one shape from them.</summary>
    public static (byte[] Json, long DataLength) ReadTrailerJson(SafeFileHandle handle, string path)
    {
        var length = RandomAccess.GetLength(handle);
        Span<byte> footer = stackalloc byte[FooterSize];
        if (length < FooterSize || RandomAccess.Read(handle, footer, length - FooterSize) != FooterSize
            || !footer[sizeof(int)..].SequenceEqual(Magic))
        {
            throw Corrupt(path);
        }

        var trailerLength = BinaryPrimitives.ReadInt32LittleEndian(footer);
        if (trailerLength is <= 0 or > MaxTrailerSize || trailerLength > length - FooterSize)
        {
            throw Corrupt(path);
        }

        var json = new byte[trailerLength];
        var dataLength = length - FooterSize - trailerLength;
        if (RandomAccess.Read(handle, json, dataLength) != trailerLength)
        {
            throw Corrupt(path);
        }

        return (json, dataLength);
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw Corrupt(path);
        }
        catch (JsonException e)
        {
            throw Corrupt(path, e);
        }
    }

    public static System.Text.Json.Nodes.JsonObject ToJsonObject<T>(T value) =>
        JsonSerializer.SerializeToNode(value, Json)!.AsObject();

    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Json);

    public static T ReadJson<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json) ?? throw Corrupt(path);
        }
        catch (JsonException e)
        {
            throw Corrupt(path, e);
        }
    }

    public static void WriteJson<T>(string path, T value) =>
        File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(value, Json));

    private static InvalidDataException Corrupt(string path, Exception? inner = null) =>
        new($"'{path}' is not a file written by this store.", inner);
}
