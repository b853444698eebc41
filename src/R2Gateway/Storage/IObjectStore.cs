namespace R2Gateway.Storage;

/// <summary>
/// One bucket. Bodies are streams in both directions; failures are <see cref="ContractException"/>s
/// with an S3-style code. Implementations never see HTTP.
/// </summary>
public interface IObjectStore
{
    /// <param name="checksumAlgorithm">Every part is checksummed with it and the object gets the composite
    /// (or, for CRC64NVME, the full-object) checksum.</param>
    Task<string> CreateMultipartUploadAsync(string key, ObjectMetadata metadata, ChecksumAlgorithm? checksumAlgorithm, CancellationToken cancellationToken);

    /// <param name="contentLength">The body's length when the client sent one; null for a chunked body.</param>
    /// <param name="contentMd5">The MD5 the body must have (Content-MD5), else <see cref="ErrorCode.BadDigest"/> and nothing stored.</param>
    /// <param name="checksum">The checksum the client sent for this part, which the part must have.</param>
    Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, Stream body, long? contentLength, byte[]? contentMd5, ObjectChecksum? checksum, CancellationToken cancellationToken);

    /// <param name="parts">Validated by the caller: distinct part numbers, unquoted etags.</param>
    Task<ObjectInfo> CompleteMultipartUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken);

    /// <summary>Throws NoSuchUpload when the upload is not in progress; mpu-abort answers that with 204.</summary>
    Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken);

    Task<PartListing> ListPartsAsync(string key, string uploadId, int partNumberMarker, int maxParts, CancellationToken cancellationToken);

    /// <summary>The uploads in progress, ordered by key then uploadId, after (KeyMarker, UploadIdMarker).</summary>
    Task<UploadListing> ListMultipartUploadsAsync(UploadListRequest request, CancellationToken cancellationToken);

    Task<ObjectInfo> PutObjectAsync(string key, Stream body, long? contentLength, PutOptions options, CancellationToken cancellationToken);

    /// <summary>The object's info and a seekable view of its bytes, or null when there is none.
    /// The stream shows one version of the object even if it is replaced while being read.</summary>
    Task<StoredObject?> GetObjectAsync(string key, CancellationToken cancellationToken);

    Task<ObjectInfo?> HeadObjectAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deleting a key that does not exist succeeds.</summary>
    Task DeleteObjectAsync(string key, CancellationToken cancellationToken);

    Task<ObjectListing> ListObjectsAsync(ListRequest request, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot serve requests; used by /readyz.</summary>
    Task CheckHealthAsync(CancellationToken cancellationToken);
}

/// <summary>The standard HTTP metadata an object keeps (what R2 calls httpMetadata), and its
/// custom metadata (R2's customMetadata, S3's <c>x-amz-meta-*</c>): lower-case names, decoded values.</summary>
public sealed record ObjectMetadata(
    string? ContentType = null,
    string? ContentDisposition = null,
    string? CacheControl = null,
    string? ContentEncoding = null,
    string? ContentLanguage = null,
    string? Expires = null,
    IReadOnlyDictionary<string, string>? Custom = null)
{
    public static readonly ObjectMetadata None = new();

    public static readonly IReadOnlyDictionary<string, string> NoCustom = new Dictionary<string, string>();
}

/// <param name="ETag">Unquoted, as R2's <c>etag</c>: hex MD5, or <c>md5-N</c> for a multipart object.</param>
/// <param name="Checksum">The additional checksum the object was stored with, if any.</param>
public sealed record ObjectInfo(string Key, long Size, string ETag, DateTimeOffset LastModified, ObjectMetadata Metadata, ObjectChecksum? Checksum = null);

/// <param name="ETag">Unquoted hex MD5 of the part.</param>
public sealed record UploadedPart(int PartNumber, string ETag, ObjectChecksum? Checksum = null);

public sealed record PartInfo(int PartNumber, string ETag, long Size, DateTimeOffset LastModified, ObjectChecksum? Checksum = null);

/// <param name="KeyMarker">Uploads of keys after this one, or of this key with an uploadId after <paramref name="UploadIdMarker"/>.</param>
public sealed record UploadListRequest(string Prefix, string? KeyMarker, string? UploadIdMarker, int MaxUploads);

public sealed record UploadInfo(string Key, string UploadId, DateTimeOffset Initiated);

public sealed record UploadListing(IReadOnlyList<UploadInfo> Uploads, bool IsTruncated, string? NextKeyMarker, string? NextUploadIdMarker);

public sealed record PartListing(IReadOnlyList<PartInfo> Parts, bool IsTruncated, int? NextPartNumberMarker);

/// <param name="IfNoneMatchAny">Write only when the key does not exist (If-None-Match: *).</param>
/// <param name="IfMatch">Write only when the current object has this unquoted etag (or, for <c>*</c>, exists).</param>
/// <param name="ContentMd5">Base64 MD5 the body must have (Content-MD5).</param>
/// <param name="Checksum">An <c>x-amz-checksum-*</c> the body must have; the object keeps it.</param>
/// <param name="ComputeChecksum">An algorithm whose checksum the store computes and keeps when no
/// <paramref name="Checksum"/> is given: S3's trailing checksums, whose value the caller checks only
/// at the end of the body.</param>
public sealed record PutOptions(
    ObjectMetadata Metadata,
    bool IfNoneMatchAny = false,
    string? IfMatch = null,
    byte[]? ContentMd5 = null,
    ObjectChecksum? Checksum = null,
    ChecksumAlgorithm? ComputeChecksum = null);

public sealed class StoredObject(ObjectInfo info, Stream content) : IAsyncDisposable
{
    public ObjectInfo Info { get; } = info;

    /// <summary>Seekable, positioned at 0, exactly <see cref="ObjectInfo.Size"/> bytes long.</summary>
    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <param name="StartAfter">List only keys after this one (R2's startAfter).</param>
/// <param name="IncludeMetadata">The listed objects must carry their metadata (R2's include);
/// a store that lists without it must then read each object's.</param>
public sealed record ListRequest(string Prefix, string? Delimiter, string? Cursor, int Limit, string? StartAfter = null, bool IncludeMetadata = false);

public sealed record ObjectListing(
    IReadOnlyList<ObjectInfo> Objects,
    IReadOnlyList<string> DelimitedPrefixes,
    bool IsTruncated,
    string? Cursor);
