using R2Gateway.Storage;

namespace R2Gateway.Events;

/// <summary>The store, with an event recorded around every change that makes or removes an object.</summary>
public sealed class EventingObjectStore(IObjectStore inner, IObjectEvents events, string? bucket = null) : IObjectStore
{
    public IObjectStore Inner => inner;

    public Task<ObjectInfo> PutObjectAsync(string key, Stream body, long? contentLength, PutOptions options, CancellationToken cancellationToken) =>
        ObjectCopy.Source is { } source
            ? events.ObjectCreatedAsync(EventAction.CopyObject, key, () => inner.PutObjectAsync(key, body, contentLength, options, cancellationToken),
                copySource: source, bucket: bucket)
            : events.ObjectCreatedAsync(EventAction.PutObject, key, () => inner.PutObjectAsync(key, body, contentLength, options, cancellationToken), bucket: bucket);

    public Task<ObjectInfo> CompleteMultipartUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken) =>
        events.ObjectCreatedAsync(EventAction.CompleteMultipartUpload, key,
            () => inner.CompleteMultipartUploadAsync(key, uploadId, parts, cancellationToken),
            expectedETag: ExpectedETag(parts), bucket: bucket);

    public Task DeleteObjectAsync(string key, CancellationToken cancellationToken) =>
        events.ObjectRemovedAsync(EventAction.DeleteObject, key, null, () => inner.DeleteObjectAsync(key, cancellationToken), bucket);

    public Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken) =>
        events.ObjectRemovedAsync(EventAction.AbortMultipartUpload, key, uploadId, () => inner.AbortMultipartUploadAsync(key, uploadId, cancellationToken), bucket);

    public Task<string> CreateMultipartUploadAsync(string key, ObjectMetadata metadata, ChecksumAlgorithm? checksumAlgorithm, CancellationToken cancellationToken) =>
        inner.CreateMultipartUploadAsync(key, metadata, checksumAlgorithm, cancellationToken);

    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, Stream body, long? contentLength, byte[]? contentMd5, ObjectChecksum? checksum, CancellationToken cancellationToken) =>
        inner.UploadPartAsync(key, uploadId, partNumber, body, contentLength, contentMd5, checksum, cancellationToken);

    public Task<PartListing> ListPartsAsync(string key, string uploadId, int partNumberMarker, int maxParts, CancellationToken cancellationToken) =>
        inner.ListPartsAsync(key, uploadId, partNumberMarker, maxParts, cancellationToken);

    public Task<UploadListing> ListMultipartUploadsAsync(UploadListRequest request, CancellationToken cancellationToken) =>
        inner.ListMultipartUploadsAsync(request, cancellationToken);

    public Task<StoredObject?> GetObjectAsync(string key, CancellationToken cancellationToken) => inner.GetObjectAsync(key, cancellationToken);

    public Task<ObjectInfo?> HeadObjectAsync(string key, CancellationToken cancellationToken) => inner.HeadObjectAsync(key, cancellationToken);

    public Task<ObjectListing> ListObjectsAsync(ListRequest request, CancellationToken cancellationToken) => inner.ListObjectsAsync(request, cancellationToken);

    public Task CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);

    /// <summary>The complete's etag follows from the listed parts (sorted, as the store assembles them).</summary>
    private static string? ExpectedETag(IReadOnlyList<UploadedPart> parts)
    {
        try
        {
            return Etags.Multipart(parts.OrderBy(p => p.PartNumber).Select(p => p.ETag).ToList());
        }
        catch (ArgumentException)
        {
            return null; // not hex: the store will refuse it
        }
    }
}

/// <summary>
/// Marks the put made inside <see cref="RunAsync"/> as a copy (S3's CopyObject streams the source into
/// a put), so the eventing store records R2's CopyObject event naming the source, wherever it sits
/// among the store's decorators.
/// </summary>
public static class ObjectCopy
{
    private static readonly AsyncLocal<CopySource?> Current = new();

    internal static CopySource? Source => Current.Value;

    public static async Task<T> RunAsync<T>(CopySource source, Func<Task<T>> put)
    {
        Current.Value = source;
        try
        {
            return await put();
        }
        finally
        {
            Current.Value = null;
        }
    }
}
