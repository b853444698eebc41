using System.IO.Pipelines;

namespace R2Gateway.Storage;

/// <summary>A request body with a <see cref="PipeReader"/> underneath. Read as a stream it is like any
/// other; the filesystem store takes its <see cref="Reader"/> and hashes and writes the received
/// segments where they lie, without copying them into a buffer of its own.</summary>
public sealed class PipeBodyStream(PipeReader reader) : Stream
{
    private readonly Stream _stream = reader.AsStream(leaveOpen: true);

    public PipeReader Reader => reader;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _stream.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _stream.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _stream.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _stream.ReadAsync(buffer, cancellationToken);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
