using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using R2Gateway.Security;

namespace R2Gateway.Storage.S3;

/// <summary>SigV4 presigned URLs straight to the bucket, made by the SDK's own presigner: the
/// bytes of a presigned upload never pass through the gateway.</summary>
public sealed class S3Presigner(IAmazonS3 s3, IOptions<S3StoreOptions> options, TimeProvider clock) : IPresigner
{
    public PresignedUrl Presign(PresignTarget target, Uri gatewayBaseUrl)
    {
        var expires = clock.GetUtcNow().Add(target.ExpiresIn);
        var request = new GetPreSignedUrlRequest
        {
            BucketName = options.Value.Bucket,
            Key = S3ObjectStore.Addressable(target.Key), // the SDK would sign another key
            Verb = target.Method == "PUT" ? HttpVerb.PUT : HttpVerb.GET,
            Expires = expires.UtcDateTime,
            Protocol = options.Value.Endpoint.Scheme == "http" ? Protocol.HTTP : Protocol.HTTPS,
            ContentType = target.ContentType,
        };
        if (target.UploadId is not null)
        {
            request.UploadId = target.UploadId;
            request.PartNumber = target.PartNumber;
        }

        var headers = target.ContentType is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Content-Type"] = target.ContentType };
        if (target.ChecksumSha256 is { } sha256)
        {
            // Signed, so the bucket (which then checks the body against it) sees exactly this value.
            request.Headers[Checksums.HeaderName(ChecksumAlgorithm.Sha256)] = sha256;
            headers[Checksums.HeaderName(ChecksumAlgorithm.Sha256)] = sha256;
        }

        foreach (var (name, value) in target.MetadataHeaders)
        {
            request.Headers[name] = value; // signed: the bucket refuses the upload without exactly these
            headers[name] = value;
        }

        return new PresignedUrl(new Uri(s3.GetPreSignedURL(request)), target.Method, expires, headers);
    }
}
