using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using R2Gateway.Storage;

namespace R2Gateway.Cli.Gateway;

/// <summary>A local file could not be read or written; never retried, exit code 4.</summary>
public sealed class LocalFileException : IOException
{
    public LocalFileException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A byte range of an open file: one part, or the whole file for a single put. Read with
/// positional reads, so parallel parts share one handle and no part is ever held in memory.</summary>
public readonly record struct FileSlice(SafeFileHandle File, long Offset, long Length)
{
    private const int ChunkSize = 256 * 1024;

    /// <summary>Copies the slice to <paramref name="destination"/> and returns its hex MD5 (the part's R2 ETag).</summary>
    public async Task<string> CopyToAsync(Stream destination, Action<long>? progress, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            for (var done = 0L; done < Length;)
            {
                var read = await ReadAsync(buffer.AsMemory(0, (int)Math.Min(ChunkSize, Length - done)), Offset + done, cancellationToken);
                md5.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                done += read;
                progress?.Invoke(read);
            }

            return Etags.FromMd5(md5.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task<string> Md5Async(CancellationToken cancellationToken) => CopyToAsync(Stream.Null, null, cancellationToken);

    /// <summary>The slice's checksum, read before it is sent: the header goes ahead of the body.</summary>
    public async Task<byte[]> ChecksumAsync(ChecksumAlgorithm algorithm, CancellationToken cancellationToken)
    {
        using var hasher = Checksums.CreateHasher(algorithm);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            for (var done = 0L; done < Length;)
            {
                var read = await ReadAsync(buffer.AsMemory(0, (int)Math.Min(ChunkSize, Length - done)), Offset + done, cancellationToken);
                hasher.Append(buffer.AsSpan(0, read));
                done += read;
            }

            return hasher.GetHash();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await RandomAccess.ReadAsync(File, buffer, offset, cancellationToken);
        }
        catch (IOException e)
        {
            throw new LocalFileException($"cannot read the file at offset {offset}: {e.Message}", e);
        }

        return read > 0 ? read : throw new LocalFileException("the file became shorter while it was being uploaded");
    }
}

/// <summary>A request body streamed from a <see cref="FileSlice"/>, hashed on the way so the
/// gateway's answer can be checked against exactly the bytes that were sent.</summary>
public sealed class FileSliceContent(FileSlice slice, Action<long>? progress) : HttpContent
{
    public long BytesSent { get; private set; }

    /// <summary>The hex MD5 of the bytes sent, once the body has been sent.</summary>
    public string? Md5 { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        BytesSent = 0;
        Md5 = await slice.CopyToAsync(stream, Sent, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = slice.Length;
        return true;
    }

    private void Sent(long bytes)
    {
        BytesSent += bytes;
        progress?.Invoke(bytes);
    }
}
