namespace R2Gateway.Storage;

/// <summary>A read-only, seekable view of one version of an object, exactly its length long: what
/// ASP.NET Core's file result needs to answer Range and conditional requests. Subclasses read from
/// <see cref="Position"/>; a seek only moves it (and tells them, through <see cref="OnMoved"/>).</summary>
public abstract class ObjectReadStream(long length) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (value != _position)
            {
                _position = value;
                OnMoved();
            }
        }
    }

    /// <summary>How many bytes a read into <paramref name="buffer"/> may take from here.</summary>
    protected int Readable(int buffer) => (int)Math.Clamp(length - _position, 0, buffer);

    /// <summary>Records bytes read, without counting as a seek.</summary>
    protected int Advance(int read)
    {
        _position += read;
        return read;
    }

    protected virtual void OnMoved()
    {
    }

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public abstract override int Read(Span<byte> buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
