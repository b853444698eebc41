namespace R2Gateway.Security;

/// <summary>Makes time-limited URLs for one request on one key: a PUT or GET of the object, or the
/// PUT of one part. Each store supplies its own: SigV4 straight to the bucket, or the gateway's.</summary>
public interface IPresigner
{
    PresignedUrl Presign(PresignTarget target, Uri gatewayBaseUrl);
}

/// <param name="Method">PUT or GET.</param>
/// <param name="ContentType">When given, the upload must send exactly this Content-Type.</param>
/// <param name="ChecksumSha256">When given (base64), the upload sends it as x-amz-checksum-sha256 and the body must have it.</param>
/// <param name="Metadata">Custom metadata the upload must send, exactly, as signed x-amz-meta-* headers.</param>
public sealed record PresignTarget(
    string Method, string Key, TimeSpan ExpiresIn, string? ContentType = null, string? UploadId = null, int? PartNumber = null,
    string? ChecksumSha256 = null, IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>The x-amz-meta-* headers as the upload sends them: lower-case names, RFC 2047 values.</summary>
    public IEnumerable<KeyValuePair<string, string>> MetadataHeaders =>
        (Metadata ?? Storage.ObjectMetadata.NoCustom)
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => KeyValuePair.Create(Storage.ObjectMetadataRules.CustomHeaderPrefix + m.Key, Storage.Rfc2047.Encode(m.Value)));

    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(7);
}

/// <param name="Headers">Headers the request must carry for the signature to hold.</param>
public sealed record PresignedUrl(Uri Url, string Method, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Headers);
