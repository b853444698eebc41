using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Options;
using R2Gateway.S3Api;

namespace R2Gateway.Storage.S3;

/// <summary>Presigned URLs straight to the bucket (R2) with the store's own credentials: the bytes
/// of the page's uploads never pass through the gateway.</summary>
public sealed class BucketS3Signer(IOptions<S3StoreOptions> options, TimeProvider clock) : IS3RequestSigner
{
    private readonly Lazy<AWSCredentials> _credentials = new(() => options.Value.AccessKeyId is { Length: > 0 } id
        ? new BasicAWSCredentials(id, options.Value.SecretAccessKey)
        : DefaultAWSCredentialsIdentityResolver.GetCredentials());

    public Uri Sign(S3SignTarget target, Uri gatewayS3Url, string signer)
    {
        var o = options.Value;
        var key = S3ObjectStore.Addressable(target.Key);
        var bucketUrl = o.ForcePathStyle
            ? new Uri($"{o.Endpoint.GetLeftPart(UriPartial.Authority)}/{o.Bucket}")
            : new Uri($"{o.Endpoint.Scheme}://{o.Bucket}.{o.Endpoint.Authority}/");
        var credentials = _credentials.Value.GetCredentials();
        return SigV4Presigner.Presign(bucketUrl, key, SigV4Request.UriEncode(key, keepSlash: true), target,
            credentials.AccessKey, credentials.SecretKey, o.Region, clock.GetUtcNow(), credentials.Token);
    }
}
