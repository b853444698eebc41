using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>
/// The object bytes of an S3 request, by what <c>x-amz-content-sha256</c> says the body is: plain
/// (unsigned or with its SHA-256), or aws-chunked with signed chunks and/or a checksum trailer.
/// Every check is made before the last byte is handed on, so a store that stops reading at the
/// declared length still never keeps a body whose signature, hash or checksum is wrong: the
/// failing read throws and the store discards what it wrote.
/// </summary>
public static class S3Payload
{
    public const string StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const string StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public const string StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

    /// <summary>The decoded body and its length (null when unknown). <paramref name="signing"/> is null
    /// when signatures are not checked (no tokens configured): chunks are then only decoded.
    /// <paramref name="storeChecksHeader"/>: the caller hands the <c>x-amz-checksum-*</c> header to a store,
    /// which checks it as it hashes the body (<see cref="IObjectStore"/>'s contract); hashing it here too
    /// would be a second pass over every byte.</summary>
    public static (Stream Body, long? Length) Open(HttpRequest request, S3Signing? signing, bool storeChecksHeader = false)
    {
        var declared = request.Headers["x-amz-content-sha256"].ToString();
        var header = storeChecksHeader ? null : S3Checksum.FromHeaders(request.Headers);
        if (declared.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            if (declared is not (StreamingSigned or StreamingSignedTrailer or StreamingUnsignedTrailer))
            {
                throw Error.InvalidArgument($"x-amz-content-sha256 '{declared}' is not supported.");
            }

            if (!long.TryParse(request.Headers["x-amz-decoded-content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out var decoded))
            {
                throw Error.MissingContentLength("An aws-chunked body needs x-amz-decoded-content-length.");
            }

            var checksum = TrailerChecksum(request) is { } algorithm ? S3Checksum.Create(Checksums.Name(algorithm)) : null;
            var signedChunks = declared != StreamingUnsignedTrailer;
            return (new AwsChunkedStream(request.Body, signedChunks ? signing : null, signedChunks, declared == StreamingSignedTrailer ? signing : null,
                checksum, header, decoded), decoded);
        }

        byte[]? sha256 = null;
        if (declared.Length == 64)
        {
            sha256 = new byte[32];
            if (Convert.FromHexString(declared, sha256, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
            {
                throw Error.InvalidArgument("x-amz-content-sha256 must be 64 hex digits, UNSIGNED-PAYLOAD or a STREAMING- mode.");
            }
        }
        else if (declared.Length > 0 && declared != SigV4Request.UnsignedPayload)
        {
            throw Error.InvalidArgument("x-amz-content-sha256 must be 64 hex digits, UNSIGNED-PAYLOAD or a STREAMING- mode.");
        }

        return sha256 is null && header is null
            ? (request.Body, request.ContentLength)
            : (new VerifyingStream(request.Body, request.ContentLength, sha256, header), request.ContentLength);
    }

    /// <summary>The checksum an aws-chunked body announces in <c>x-amz-trailer</c>, if any.</summary>
    public static ChecksumAlgorithm? TrailerChecksum(HttpRequest request)
    {
        var trailer = request.Headers["x-amz-trailer"].ToString().Trim();
        if (trailer.Length == 0 || !request.Headers["x-amz-content-sha256"].ToString().StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            return null;
        }

        return trailer.StartsWith(S3Checksum.HeaderPrefix, StringComparison.OrdinalIgnoreCase)
            && Checksums.TryParse(trailer[S3Checksum.HeaderPrefix.Length..], out var algorithm)
                ? algorithm
                : throw Error.InvalidArgument($"The trailer '{trailer}' is not supported; only {string.Join(", ", S3Checksum.Names.Select(n => S3Checksum.HeaderPrefix + n))}.");
    }

    /// <summary>A small body read whole (XML documents), reading to its end so every check runs.</summary>
    public static async Task<byte[]> ReadSmallAsync(Stream body, int max, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw Error.MaxMessageLengthExceeded(max);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>Read-only forward stream base.</summary>
public abstract class ForwardReadStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A plain body checked against its declared SHA-256 and/or checksum header.</summary>
public sealed class VerifyingStream(Stream inner, long? length, byte[]? sha256, (S3Checksum Checksum, string Expected)? checksum) : ForwardReadStream
{
    private readonly IncrementalHash? _sha = sha256 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_verified)
        {
            return 0;
        }

        var n = await inner.ReadAsync(buffer, cancellationToken);
        _sha?.AppendData(buffer.Span[..n]);
        checksum?.Checksum.Append(buffer.Span[..n]);
        _read += n;
        if (n == 0 || _read == length)
        {
            Verify();
        }

        return n;
    }

    private void Verify()
    {
        _verified = true;
        if (length is { } expected && _read != expected)
        {
            throw Error.IncompleteBody("The request body was shorter than its Content-Length.");
        }

        if (_sha is not null && !CryptographicOperations.FixedTimeEquals(_sha.GetHashAndReset(), sha256))
        {
            throw Error.ContentSha256Mismatch();
        }

        if (checksum is { } c)
        {
            c.Checksum.Verify(c.Expected);
        }
    }
}

/// <summary>
/// Decodes aws-chunked (<c>hex-size[;chunk-signature=sig]\r\n data \r\n … 0…\r\n trailers \r\n</c>)
/// as it streams: each chunk's signature is checked when its data has passed, the trailer's
/// checksum and signature before the last byte is released. Memory: one small line buffer.
/// </summary>
public sealed class AwsChunkedStream(
    Stream inner, S3Signing? chunkSigning, bool signedChunks, S3Signing? trailerSigning, S3Checksum? trailerChecksum,
    (S3Checksum Checksum, string Expected)? headerChecksum, long decodedLength) : ForwardReadStream
{
    private const int MaxLine = 4096;
    private readonly byte[] _buffer = new byte[8192];
    private readonly IncrementalHash? _chunkHash = chunkSigning is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _start;
    private int _end;
    private long _chunkLeft;
    private string? _chunkSignature;
    private string? _previous = chunkSigning?.SeedSignature ?? trailerSigning?.SeedSignature;
    private long _delivered;
    private bool _done;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done || buffer.Length == 0)
        {
            return 0;
        }

        if (_chunkLeft == 0 && await NextChunkAsync(cancellationToken))
        {
            await FinishAsync(cancellationToken);
            return 0;
        }

        var want = (int)Math.Min(buffer.Length, _chunkLeft);
        int n;
        if (_end > _start)
        {
            n = Math.Min(want, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(buffer.Span);
            _start += n;
        }
        else
        {
            n = await inner.ReadAsync(buffer[..want], cancellationToken);
            if (n == 0)
            {
                throw Error.IncompleteBody("The aws-chunked body ended inside a chunk.");
            }
        }

        var data = buffer.Span[..n];
        _chunkHash?.AppendData(data);
        trailerChecksum?.Append(data);
        headerChecksum?.Checksum.Append(data);
        _chunkLeft -= n;
        _delivered += n;
        if (_delivered > decodedLength)
        {
            throw Error.IncompleteBody("The aws-chunked body is longer than x-amz-decoded-content-length.");
        }

        if (_chunkLeft == 0)
        {
            if ((await ReadLineAsync(cancellationToken)).Length != 0)
            {
                throw Malformed("a chunk's data is not followed by CRLF");
            }

            VerifyChunk();
            if (_delivered == decodedLength)
            {
                // The last byte: read and check the rest (final chunk, trailers) before handing it on.
                if (!await NextChunkAsync(cancellationToken))
                {
                    throw Error.IncompleteBody("The aws-chunked body is longer than x-amz-decoded-content-length.");
                }

                await FinishAsync(cancellationToken);
            }
        }

        return n;
    }

    /// <summary>Reads a chunk header; true when it is the final, empty chunk.</summary>
    private async Task<bool> NextChunkAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        var semicolon = line.IndexOf(';');
        var hex = semicolon < 0 ? line : line[..semicolon];
        if (!long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0 || size > decodedLength - _delivered)
        {
            throw Malformed("a chunk size is not hexadecimal or exceeds x-amz-decoded-content-length");
        }

        _chunkSignature = null;
        if (semicolon >= 0 && line[(semicolon + 1)..].Trim() is var ext && ext.StartsWith("chunk-signature=", StringComparison.Ordinal))
        {
            _chunkSignature = ext["chunk-signature=".Length..];
        }

        if (signedChunks && _chunkSignature is null)
        {
            throw Error.SignatureDoesNotMatch("Every chunk of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body needs a chunk-signature.");
        }

        _chunkLeft = size;
        if (size == 0)
        {
            VerifyChunk();
            return true;
        }

        return false;
    }

    private void VerifyChunk()
    {
        if (chunkSigning is null || _chunkHash is null)
        {
            return;
        }

        var expected = SigV4Request.ChainSignature(chunkSigning, "AWS4-HMAC-SHA256-PAYLOAD", _previous!, Convert.ToHexStringLower(_chunkHash.GetHashAndReset()));
        if (_chunkSignature is null || !SigV4Request.FixedTimeEqualsHex(expected, _chunkSignature))
        {
            throw Error.SignatureDoesNotMatch("A chunk signature does not match; the body was changed or signed with another key.");
        }

        _previous = _chunkSignature;
    }

    /// <summary>After the final chunk: trailer lines up to an empty line, then every check.</summary>
    private async Task FinishAsync(CancellationToken cancellationToken)
    {
        var trailers = new List<(string Name, string Value)>();
        for (var line = await ReadLineAsync(cancellationToken); line.Length > 0; line = await ReadLineAsync(cancellationToken))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || trailers.Count > 8)
            {
                throw Malformed("a trailer line is not name:value");
            }

            trailers.Add((line[..colon].Trim().ToLowerInvariant(), line[(colon + 1)..].Trim()));
        }

        if (_delivered != decodedLength)
        {
            throw Error.IncompleteBody("The aws-chunked body is shorter than x-amz-decoded-content-length.");
        }

        if (trailerChecksum is not null)
        {
            var value = trailers.FirstOrDefault(t => t.Name == trailerChecksum.HeaderName).Value
                ?? throw Error.InvalidRequest($"The body's trailer lacks the {trailerChecksum.HeaderName} that x-amz-trailer announced.");
            trailerChecksum.Verify(value);
        }

        headerChecksum?.Checksum.Verify(headerChecksum.Value.Expected);
        if (trailerSigning is not null)
        {
            var signature = trailers.FirstOrDefault(t => t.Name == "x-amz-trailer-signature").Value;
            var canonical = string.Concat(trailers.Where(t => t.Name != "x-amz-trailer-signature").Select(t => $"{t.Name}:{t.Value}\n"));
            var expected = SigV4Request.ChainSignature(trailerSigning, "AWS4-HMAC-SHA256-TRAILER", _previous!,
                Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
            if (signature is null || !SigV4Request.FixedTimeEqualsHex(expected, signature))
            {
                throw Error.SignatureDoesNotMatch("The trailer signature does not match.");
            }
        }

        _done = true;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, at);
                _start += at + 2;
                return line;
            }

            if (_end - _start >= MaxLine)
            {
                throw Malformed("a chunk header or trailer line is too long");
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var n = await inner.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
            {
                throw Error.IncompleteBody("The aws-chunked body ended early.");
            }

            _end += n;
        }
    }

    private static ContractException Malformed(string what) => Error.InvalidRequest($"Malformed aws-chunked body: {what}.");
}
