namespace R2Gateway.Http;

/// <summary>Stands in for an object's body in a HEAD answer: it has the object's length, so the file
/// result sends the right Content-Length, and no bytes, since a HEAD answer has no body.</summary>
internal sealed class LengthOnlyStream(long length) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get; set; }

    public override int Read(byte[] buffer, int offset, int count) => 0;

    public override long Seek(long offset, SeekOrigin origin) => Position = origin == SeekOrigin.End ? length + offset : offset;

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
