using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using R2Gateway.Storage;

namespace R2Gateway.Observability;

/// <summary>Every store call as a child span of its request (the S3 store's HTTP calls nest under it)
/// and as a duration by operation, store and error type; successful multipart steps are counted.</summary>
public sealed class InstrumentedObjectStore(IObjectStore inner, string store, GatewayMetrics metrics, KeyInSpans keyInSpans) : IObjectStore
{
    public async Task<string> CreateMultipartUploadAsync(string key, ObjectMetadata metadata, ChecksumAlgorithm? checksumAlgorithm, CancellationToken cancellationToken)
    {
        var uploadId = await RunAsync("create_multipart_upload", key, () => inner.CreateMultipartUploadAsync(key, metadata, checksumAlgorithm, cancellationToken));
        metrics.UploadCreated();
        return uploadId;
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, Stream body, long? contentLength, byte[]? contentMd5, ObjectChecksum? checksum, CancellationToken cancellationToken)
    {
        var part = await RunAsync("upload_part", key, () => inner.UploadPartAsync(key, uploadId, partNumber, body, contentLength, contentMd5, checksum, cancellationToken));
        metrics.PartUploaded();
        return part;
    }

    public async Task<ObjectInfo> CompleteMultipartUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
    {
        var info = await RunAsync("complete_multipart_upload", key, () => inner.CompleteMultipartUploadAsync(key, uploadId, parts, cancellationToken));
        metrics.UploadCompleted();
        return info;
    }

    public async Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        await RunAsync("abort_multipart_upload", key, async () =>
        {
            await inner.AbortMultipartUploadAsync(key, uploadId, cancellationToken);
            return true;
        });
        metrics.UploadAborted();
    }

    public Task<PartListing> ListPartsAsync(string key, string uploadId, int partNumberMarker, int maxParts, CancellationToken cancellationToken) =>
        RunAsync("list_parts", key, () => inner.ListPartsAsync(key, uploadId, partNumberMarker, maxParts, cancellationToken));

    public Task<UploadListing> ListMultipartUploadsAsync(UploadListRequest request, CancellationToken cancellationToken) =>
        RunAsync("list_multipart_uploads", null, () => inner.ListMultipartUploadsAsync(request, cancellationToken));

    public Task<ObjectInfo> PutObjectAsync(string key, Stream body, long? contentLength, PutOptions options, CancellationToken cancellationToken) =>
        RunAsync("put_object", key, () => inner.PutObjectAsync(key, body, contentLength, options, cancellationToken));

    public Task<StoredObject?> GetObjectAsync(string key, CancellationToken cancellationToken) =>
        RunAsync("get_object", key, () => inner.GetObjectAsync(key, cancellationToken));

    public Task<ObjectInfo?> HeadObjectAsync(string key, CancellationToken cancellationToken) =>
        RunAsync("head_object", key, () => inner.HeadObjectAsync(key, cancellationToken));

    public Task DeleteObjectAsync(string key, CancellationToken cancellationToken) =>
        RunAsync("delete_object", key, async () =>
        {
            await inner.DeleteObjectAsync(key, cancellationToken);
            return true;
        });

    public Task<ObjectListing> ListObjectsAsync(ListRequest request, CancellationToken cancellationToken) =>
        RunAsync("list_objects", null, () => inner.ListObjectsAsync(request, cancellationToken));

    public Task CheckHealthAsync(CancellationToken cancellationToken) =>
        RunAsync("check_health", null, async () =>
        {
            await inner.CheckHealthAsync(cancellationToken);
            return true;
        });

    private async Task<T> RunAsync<T>(string operation, string? key, Func<Task<T>> call)
    {
        // HasListeners first: the span's name is a new string, not worth making for no one.
        using var activity = GatewayMetrics.Source.HasListeners() ? GatewayMetrics.Source.StartActivity("store " + operation) : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("r2gw.store", store);
            activity.SetTag("r2gw.store.operation", operation);
            TagKey(activity, key, keyInSpans);
        }

        var started = Stopwatch.GetTimestamp();
        string? error = null;
        try
        {
            return await call();
        }
        catch (Exception e)
        {
            error = e switch
            {
                ContractException store => store.Code.ToString(),
                OperationCanceledException => "canceled",
                _ => e.GetType().FullName,
            };
            activity?.SetStatus(ActivityStatusCode.Error, error);
            activity?.SetTag("error.type", error);
            throw;
        }
        finally
        {
            metrics.StoreOperation(operation, store, error, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Sets <c>r2gw.key</c> or <c>r2gw.key.hash</c> as configured.</summary>
    public static void TagKey(Activity activity, string? key, KeyInSpans mode)
    {
        if (string.IsNullOrEmpty(key))
        {
            return;
        }

        switch (mode)
        {
            case KeyInSpans.Key:
                activity.SetTag("r2gw.key", key);
                break;
            case KeyInSpans.Hash:
                activity.SetTag("r2gw.key.hash", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16)));
                break;
        }
    }
}
