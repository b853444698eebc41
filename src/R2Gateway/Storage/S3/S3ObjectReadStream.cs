using Amazon.S3;
using Amazon.S3.Model;

namespace R2Gateway.Storage.S3;

/// <summary>
/// A seekable, read-only view of one version of an S3 object, starting from an open GET. A seek
/// elsewhere (a Range request) drops that body; the next read opens a GET of bytes p..end, pinned
/// to the version by If-Match. This lets ASP.NET Core's file result answer Range and conditional
/// requests for S3 objects exactly as it does for files.
/// </summary>
internal sealed class S3ObjectReadStream(IAmazonS3 s3, string bucket, ObjectInfo info, GetObjectResponse opened, S3StoreOptions options)
    : ObjectReadStream(info.Size)
{
    private GetObjectResponse? _response = opened;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Readable(buffer.Length) == 0)
        {
            return 0;
        }

        if (_response is null)
        {
            var start = Position;
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
            catch (ContractException e) when (e.Code is ErrorCode.PreconditionFailed or ErrorCode.NoSuchKey)
            {
                throw Error.Unavailable("The object was replaced or deleted while it was being read; read it again.", e);
            }
        }

        var read = await _response.ResponseStream.ReadAsync(buffer[..Readable(buffer.Length)], cancellationToken);
        return read == 0 ? throw new IOException($"The bucket ended '{info.Key}' at byte {Position} of {info.Size}.") : Advance(read);
    }

    public override int Read(Span<byte> buffer)
    {
        var rented = new byte[buffer.Length];
        var read = ReadAsync(rented).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, read).CopyTo(buffer);
        return read;
    }

    /// <summary>A seek elsewhere drops the open body; the next read opens a ranged GET there.</summary>
    protected override void OnMoved() => CloseBody();

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
