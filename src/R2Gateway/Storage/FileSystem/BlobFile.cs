using System.Buffers;
using System.Buffers.Binary;
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
    // Two or more buffers per upload in flight. Large ones mean fewer hand-offs to the hashing thread (a 1 GiB
    // put: 2.6–3.0 CPU-s instead of 3.3–3.4), but 200 uploads at once must stay cheap, so only as many
    // uploads as there are cores get them: beyond that the cores are busy anyway.
    private const int SmallCopyBuffer = 128 * 1024;
    private const int LargeCopyBuffer = 1024 * 1024;
    private static readonly int LargeCopySlots = Environment.ProcessorCount;
    // Four large buffers in turn let the socket run up to three buffers ahead of the hash, which evens
    // out the two sides' stalls (1 GiB put: 1.57-2.09 s against 1.75-2.08 s with two, interleaved).
    private const int LargeCopyDepth = 4;
    private static int _largeCopiesInUse;

    private const int FooterSize = sizeof(int) + 8;
    private const int TailReadSize = 1024;
    // Metadata is at most 8 KiB (ObjectMetadataRules) and a key 1 KiB, but JSON may escape each
    // byte as six; the cap only bounds what a damaged file can make the reader allocate.
    private const int MaxTrailerSize = 1024 * 1024;

    private static ReadOnlySpan<byte> Magic => "R2GWBLB1"u8;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Streams <paramref name="source"/> into <paramref name="destination"/>, computing the MD5 and,
    /// when asked, one additional checksum on the way; more than <paramref name="limit"/> bytes is
    /// <see cref="ErrorCode.EntityTooLarge"/>.</summary>
    /// <remarks>Buffers in turn, each filled by several socket reads: while a pool thread hashes
    /// one, this one writes it and receives the next. MD5 is serial, so on two cores it runs beside the socket and file copies instead of
    /// after them; the additional checksum gets a thread of its own.</remarks>
    public static async Task<(long Length, byte[] Md5, byte[]? Checksum)> CopyHashingAsync(
        Stream source, Stream destination, long limit, ChecksumAlgorithm? checksum, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var extra = checksum is { } algorithm ? Checksums.CreateHasher(algorithm) : null;
        var large = Interlocked.Increment(ref _largeCopiesInUse) <= LargeCopySlots;
        if (!large)
        {
            Interlocked.Decrement(ref _largeCopiesInUse);
        }

        var size = large ? LargeCopyBuffer : SmallCopyBuffer;
        var buffers = new byte[large ? LargeCopyDepth : 2][];
        var hashed = new Task[buffers.Length];
        for (var b = 0; b < buffers.Length; b++)
        {
            buffers[b] = ArrayPool<byte>.Shared.Rent(size);
            hashed[b] = Task.CompletedTask;
        }

        var hashing = Task.CompletedTask;
        try
        {
            long total = 0;
            var i = 0;
            var read = await source.ReadAtLeastAsync(buffers[0].AsMemory(0, size), size, throwOnEndOfStream: false, cancellationToken);
            while (read > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw Error.BodyOverLimit(limit);
                }

                var chunk = new ArraySegment<byte>(buffers[i], 0, read);
                hashing = hashed[i] = Hash(hashing, md5, extra, chunk);
                await destination.WriteAsync(chunk, cancellationToken);
                i = (i + 1) % buffers.Length;
                await hashed[i]; // the buffer is free once its hash is done (its write is)
                read = await source.ReadAtLeastAsync(buffers[i].AsMemory(0, size), size, throwOnEndOfStream: false, cancellationToken);
            }

            await hashing;
            return (total, md5.GetHashAndReset(), extra?.GetHash());
        }
        finally
        {
            // Never hand a buffer back to the pool while the hash still reads it.
            await hashing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var buffer in buffers)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (large)
            {
                Interlocked.Decrement(ref _largeCopiesInUse);
            }
        }
    }

    /// <summary>Hashes <paramref name="chunk"/> on a pool thread after <paramref name="previous"/> (the hashes are serial).</summary>
    private static Task Hash(Task previous, IncrementalHash md5, ChecksumHasher? extra, ArraySegment<byte> chunk) =>
        previous.ContinueWith(_ => Hash(md5, extra, chunk), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();

    private static Task Hash(IncrementalHash md5, ChecksumHasher? extra, ArraySegment<byte> chunk)
    {
        var md5Task = Task.Run(() => md5.AppendData(chunk), CancellationToken.None);
        return extra is null ? md5Task : Task.WhenAll(md5Task, Task.Run(() => extra.Append(chunk), CancellationToken.None));
    }

    public static async Task AppendTrailerAsync<T>(FileStream file, T trailer, bool fsync, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(trailer, Json);
        if (json.Length > MaxTrailerSize)
        {
            throw Error.RecordTooLarge();
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
        var (json, dataLength, _) = ReadTrailerJson(handle, path);
        return (Deserialize<T>(json, path), dataLength);
    }

    /// <summary>The trailer's JSON bytes, for a caller that reads more than one shape from them.</summary>
    /// <remarks>One read of the file's tail usually holds footer and trailer both: complete reads
    /// thousands of part trailers, so each saved read counts. With <paramref name="lengthHint"/> (the length
    /// this path had the last time) the tail is read one byte longer at that guess: exactly the tail's bytes
    /// back proves the file ends there, and the <c>fstat</c> for its length is saved; anything else, and the
    /// file is asked.</remarks>
    public static (byte[] Json, long DataLength, long Length) ReadTrailerJson(SafeFileHandle handle, string path, long? lengthHint = null)
    {
        Span<byte> buffer = stackalloc byte[TailReadSize + 1];
        long length = -1;
        var tailLength = 0;
        if (lengthHint is { } hint and >= FooterSize)
        {
            tailLength = (int)Math.Min(hint, TailReadSize);
            if (Libc.ReadAt(handle, buffer[..(tailLength + 1)], hint - tailLength) == tailLength)
            {
                length = hint;
            }
        }

        if (length < 0)
        {
            length = RandomAccess.GetLength(handle);
            tailLength = (int)Math.Min(length, TailReadSize);
            if (length < FooterSize || Libc.ReadAt(handle, buffer[..tailLength], length - tailLength) != tailLength)
            {
                throw Corrupt(path);
            }
        }

        var tail = buffer[..tailLength];
        var footer = tail[^FooterSize..];
        if (!footer[sizeof(int)..].SequenceEqual(Magic))
        {
            throw Corrupt(path);
        }

        var trailerLength = BinaryPrimitives.ReadInt32LittleEndian(footer);
        if (trailerLength is <= 0 or > MaxTrailerSize || trailerLength > length - FooterSize)
        {
            throw Corrupt(path);
        }

        var dataLength = length - FooterSize - trailerLength;
        if (trailerLength <= tail.Length - FooterSize)
        {
            return (tail[^(FooterSize + trailerLength)..^FooterSize].ToArray(), dataLength, length);
        }

        var json = new byte[trailerLength];
        if (Libc.ReadAt(handle, json, dataLength) != trailerLength)
        {
            throw Corrupt(path);
        }

        return (json, dataLength, length);
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
