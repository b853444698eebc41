namespace R2Gateway.Storage.S3;

/// <summary>
/// Checks a body's <c>x-amz-checksum-*</c> while it streams to the bucket, for buckets that ignore the
/// header (radosgw before Squid). The last bytes are held back until the hash is known: on a mismatch
/// the read throws BadDigest instead, so the bucket never receives a whole body and stores nothing.
/// </summary>
internal sealed class VerifyingStream : Stream
{
    private readonly Stream _inner;
    private readonly long _length;
    private readonly ObjectChecksum _expected;
    private readonly ChecksumHasher _hasher;
    private long _read;

    private VerifyingStream(Stream inner, long length, ObjectChecksum expected)
    {
        _inner = inner;
        _length = length;
        _expected = expected;
        _hasher = Checksums.CreateHasher(expected.Algorithm);
    }

    public static Stream Wrap(Stream body, long length, ObjectChecksum? expected)
    {
        if (expected is not null && length == 0)
        {
            // Nothing to hold back: check the empty body's checksum before anything is sent.
            ChecksumRules.Check(expected, ObjectChecksum.Of(expected.Algorithm, Checksums.Hash(expected.Algorithm, [])));
        }

        return expected is null ? body : new VerifyingStream(body, length, expected);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        return Account(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken);
        return Account(buffer.Span[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Account(ReadOnlySpan<byte> chunk)
    {
        _hasher.Append(chunk);
        _read += chunk.Length;
        if (_read == _length && chunk.Length > 0)
        {
            ChecksumRules.Check(_expected, ObjectChecksum.Of(_expected.Algorithm, _hasher.GetHash()));
        }

        return chunk.Length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hasher.Dispose();
        }

        base.Dispose(disposing);
    }
}
