using Amazon.S3;
using Amazon.S3.Model;

namespace R2Gateway.Storage.S3;

/// <summary>
/// A seekable, read-only view of one version of an S3 object, starting from an open GET. A seek
/// elsewhere (a Range request) drops that body; the next read opens a GET of bytes p..end, pinned
/// to the version by If-Match. This lets ASP.NET Core's file result answer Range and conditional
/// requests for S3 objects exactly as it does for files.
/// </summary>
internal sealed class S3ObjectReadStream(IAmazonS3 s3, string bucket, ObjectInfo info, GetObjectResponse opened, S3StoreOptions options) : Stream
{
    private GetObjectResponse? _response = opened;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => info.Size;

    public override long Position
    {
        get => _position;
        set
        {
            if (value != _position)
            {
                CloseBody();
                _position = value;
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= info.Size || buffer.Length == 0)
        {
            return 0;
        }

        if (_response is null)
        {
            var start = _position;
            try
            {
                _response = await S3Errors.Call(() => s3.GetObjectAsync(new GetObjectRequest
                {
                    BucketName = bucket,
                    Key = info.Key,
                    ByteRange = new ByteRange(start, info.Size - 1),
                    EtagToMatch = Etags.Quote(info.ETag),
                }, cancellationToken), options, cancellationToken);
            }
            catch (StoreException e) when (e.Code is StoreErrorCode.PreconditionFailed or StoreErrorCode.NoSuchKey)
            {
                throw new StoreException(StoreErrorCode.ServiceUnavailable, "The object was replaced or deleted while it was being read; read it again.", e);
            }
        }

        var read = await _response.ResponseStream.ReadAsync(buffer[..(int)Math.Min(buffer.Length, info.Size - _position)], cancellationToken);
        if (read == 0)
        {
            throw new IOException($"The bucket ended '{info.Key}' at byte {_position} of {info.Size}.");
        }

        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => info.Size + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseBody();
        }

        base.Dispose(disposing);
    }

    private void CloseBody()
    {
        _response?.Dispose();
        _response = null;
    }
}
