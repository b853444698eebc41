using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace R2Gateway.Storage.S3;

/// <summary>
/// The store for R2 and any S3-compatible bucket. Bodies stream straight from the request into
/// UploadPart/PutObject (unsigned payload, explicit length), so a part is never held in memory; a
/// body without a length is spooled to a temp file first. R2's completion rules are checked here
/// against ListParts before CompleteMultipartUpload, so every backend answers as R2 would.
/// </summary>
public sealed class S3ObjectStore(IAmazonS3 s3, IOptions<S3StoreOptions> options, IOptions<StorageOptions> storage) : IObjectStore
{
    private readonly S3StoreOptions _options = options.Value;

    private string Bucket => _options.Bucket!;

    public Task<string> CreateMultipartUploadAsync(string key, ObjectMetadata metadata, ChecksumAlgorithm? checksumAlgorithm, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            var request = new InitiateMultipartUploadRequest { BucketName = Bucket, Key = Addressable(key) };
            if (checksumAlgorithm is { } algorithm)
            {
                request.ChecksumAlgorithm = S3Checksums.ToSdk(algorithm);
                request.ChecksumType = Checksums.IsFullObject(algorithm) ? ChecksumType.FULL_OBJECT : ChecksumType.COMPOSITE;
            }

            SetMetadata(request.Headers, request.Metadata, metadata, ct => request.ContentType = ct);
            return (await s3.InitiateMultipartUploadAsync(request, cancellationToken)).UploadId;
        }, cancellationToken);

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, Stream body, long? contentLength, byte[]? contentMd5, ObjectChecksum? checksum, CancellationToken cancellationToken)
    {
        MultipartRules.EnsurePartNumber(partNumber);
        await using var spooled = await SpoolIfUnknownLengthAsync(body, contentLength, cancellationToken);
        var request = new UploadPartRequest
        {
            BucketName = Bucket,
            Key = Addressable(key),
            UploadId = uploadId,
            PartNumber = partNumber,
            InputStream = VerifyingStream.Wrap(spooled.Stream, spooled.Length, checksum),
            PartSize = spooled.Length,
            DisablePayloadSigning = true,
            MD5Digest = contentMd5 is null ? null : Convert.ToBase64String(contentMd5),
        };
        S3Checksums.Set(checksum, request);
        var response = await Call(() => s3.UploadPartAsync(request, cancellationToken), cancellationToken, noSuchKeyIsNoSuchUpload: true);
        return new UploadedPart(partNumber, Etags.Normalize(response.ETag), checksum);
    }

    public async Task<ObjectInfo> CompleteMultipartUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<int, PartInfo>();
        var marker = 0;
        PartListing page;
        do
        {
            page = await ListPartsAsync(key, uploadId, marker, 1000, cancellationToken);
            foreach (var part in page.Parts)
            {
                stored[part.PartNumber] = part;
            }

            marker = page.NextPartNumberMarker ?? 0;
        }
        while (page.IsTruncated);

        var ordered = MultipartRules.CheckCompletion(parts, stored, storage.Value.MaxObjectSize);
        var response = await Call(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = Bucket,
            Key = Addressable(key),
            UploadId = uploadId,
            PartETags = ordered.Select(p => S3Checksums.Set(p.Checksum, new PartETag(p.PartNumber, Etags.Quote(p.ETag)))).ToList(),
        }, cancellationToken), cancellationToken, noSuchKeyIsNoSuchUpload: true);

        // Some servers (radosgw) answer an empty ETag here; the object itself has it.
        var info = await HeadObjectAsync(key, cancellationToken)
            ?? throw Error.Unavailable("The bucket completed the upload but does not show the object yet; try reading it again.");
        return string.IsNullOrEmpty(response.ETag) ? info : info with { ETag = Etags.Normalize(response.ETag) };
    }

    public Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken) =>
        Call(() => s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = Addressable(key), UploadId = uploadId }, cancellationToken),
            cancellationToken, noSuchKeyIsNoSuchUpload: true);

    public async Task<PartListing> ListPartsAsync(string key, string uploadId, int partNumberMarker, int maxParts, CancellationToken cancellationToken)
    {
        var response = await Call(() => s3.ListPartsAsync(new ListPartsRequest
        {
            BucketName = Bucket,
            Key = Addressable(key),
            UploadId = uploadId,
            PartNumberMarker = partNumberMarker.ToString(CultureInfo.InvariantCulture),
            MaxParts = maxParts,
        }, cancellationToken), cancellationToken, noSuchKeyIsNoSuchUpload: true);
        var parts = (response.Parts ?? [])
            .Select(p => new PartInfo(p.PartNumber ?? 0, Etags.Normalize(p.ETag), p.Size ?? 0, ToOffset(p.LastModified), S3Checksums.From(p)))
            .ToList();
        var truncated = response.IsTruncated == true;
        return new PartListing(parts, truncated, truncated ? response.NextPartNumberMarker : null);
    }

    public async Task<ObjectInfo> PutObjectAsync(string key, Stream body, long? contentLength, PutOptions options, CancellationToken cancellationToken)
    {
        await using var spooled = await SpoolIfUnknownLengthAsync(body, contentLength, cancellationToken);
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = Addressable(key),
            InputStream = VerifyingStream.Wrap(spooled.Stream, spooled.Length, options.Checksum),
            AutoCloseStream = false,
            DisablePayloadSigning = true,
            IfNoneMatch = options.IfNoneMatchAny ? "*" : null,
            IfMatch = options.IfMatch, // bare: radosgw compares If-Match on PUT without quotes
            MD5Digest = options.ContentMd5 is null ? null : Convert.ToBase64String(options.ContentMd5),
        };
        request.Headers.ContentLength = spooled.Length;
        SetMetadata(request.Headers, request.Metadata, options.Metadata, ct => request.ContentType = ct);
        S3Checksums.Set(options.Checksum, request);
        var response = await Call(() => s3.PutObjectAsync(request, cancellationToken), cancellationToken);
        return new ObjectInfo(key, spooled.Length, Etags.Normalize(response.ETag), DateTimeOffset.UtcNow, options.Metadata, options.Checksum);
    }

    public async Task<StoredObject?> GetObjectAsync(string key, CancellationToken cancellationToken)
    {
        // One GET gives headers and body of the same version; a seek (Range) reopens a ranged GET
        // pinned to that version by its etag.
        GetObjectResponse response;
        try
        {
            response = await Call(() => s3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = Addressable(key), ChecksumMode = ChecksumMode.ENABLED }, cancellationToken), cancellationToken);
        }
        catch (ContractException e) when (e.Code == ErrorCode.NoSuchKey)
        {
            return null;
        }

        var info = new ObjectInfo(key, response.ContentLength, Etags.Normalize(response.ETag), ToOffset(response.LastModified),
            Metadata(response.Headers, response.Metadata, response.ExpiresString), S3Checksums.From(response));
        return new StoredObject(info, new S3ObjectReadStream(s3, Bucket, info, response, _options));
    }

    public async Task<ObjectInfo?> HeadObjectAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await Call(() => s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = Addressable(key), ChecksumMode = ChecksumMode.ENABLED }, cancellationToken), cancellationToken);
            return new ObjectInfo(key, head.ContentLength, Etags.Normalize(head.ETag), ToOffset(head.LastModified),
                Metadata(head.Headers, head.Metadata, head.ExpiresString), S3Checksums.From(head));
        }
        catch (ContractException e) when (e.Code == ErrorCode.NoSuchKey || e.InnerException is AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.NotFound, ErrorCode: not "NoSuchBucket" })
        {
            return null; // HEAD answers carry no error code, only the status
        }
    }

    public Task DeleteObjectAsync(string key, CancellationToken cancellationToken) =>
        Call(() => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = Addressable(key) }, cancellationToken), cancellationToken);

    public async Task<ObjectListing> ListObjectsAsync(ListRequest request, CancellationToken cancellationToken)
    {
        var response = await Call(() => s3.ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = Bucket,
            Prefix = request.Prefix,
            Delimiter = request.Delimiter,
            ContinuationToken = string.IsNullOrEmpty(request.Cursor) ? null : request.Cursor,
            StartAfter = request.StartAfter,
            MaxKeys = request.Limit,
        }, cancellationToken), cancellationToken);
        var objects = (response.S3Objects ?? [])
            .Select(o => new ObjectInfo(o.Key, o.Size ?? 0, Etags.Normalize(o.ETag), ToOffset(o.LastModified), ObjectMetadata.None))
            .ToList();
        if (request.IncludeMetadata)
        {
            // ListObjectsV2 carries no metadata: read each listed object's (a page is at most 1,000).
            var heads = new ObjectInfo?[objects.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, objects.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (i, ct) => heads[i] = await HeadObjectAsync(objects[i].Key, ct));
            objects = objects.Select((o, i) => heads[i] is { } h && h.ETag == o.ETag ? o with { Metadata = h.Metadata, Checksum = h.Checksum } : o).ToList();
        }
        var truncated = response.IsTruncated == true;
        return new ObjectListing(objects, response.CommonPrefixes ?? [], truncated, truncated ? response.NextContinuationToken : null);
    }

    public async Task<UploadListing> ListMultipartUploadsAsync(UploadListRequest request, CancellationToken cancellationToken)
    {
        var response = await Call(() => s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
        {
            BucketName = Bucket,
            Prefix = request.Prefix.Length == 0 ? null : request.Prefix,
            KeyMarker = request.KeyMarker,
            UploadIdMarker = request.KeyMarker is null ? null : request.UploadIdMarker,
            MaxUploads = request.MaxUploads,
        }, cancellationToken), cancellationToken);
        var uploads = (response.MultipartUploads ?? []).Select(u => new UploadInfo(u.Key, u.UploadId, ToOffset(u.Initiated))).ToList();
        var truncated = response.IsTruncated == true;
        return new UploadListing(uploads, truncated, truncated ? response.NextKeyMarker : null, truncated ? response.NextUploadIdMarker : null);
    }

    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        await Call(() => s3.HeadBucketAsync(new HeadBucketRequest { BucketName = Bucket }, timeout.Token), cancellationToken);
    }

    /// <summary>AWSSDK.S3 drops a key's leading '/' (so it would address another object) and signs
    /// runs of slashes differently from what it sends; such keys are refused rather than mangled.</summary>
    internal static string Addressable(string key) =>
        key.StartsWith('/') || key.Contains("//", StringComparison.Ordinal)
            ? throw Error.KeyRewrittenByS3Sdk()
            : key;

    private Task<T> Call<T>(Func<Task<T>> operation, CancellationToken cancellationToken, bool noSuchKeyIsNoSuchUpload = false) =>
        S3Errors.Call(operation, _options, cancellationToken, noSuchKeyIsNoSuchUpload);

    /// <summary>S3 needs a body's length before the first byte: a chunked body goes to a temp file
    /// (deleted on close) first, never to memory.</summary>
    private async Task<SpooledBody> SpoolIfUnknownLengthAsync(Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        if (contentLength is { } length)
        {
            return new SpooledBody(body, length, Owned: false);
        }

        var path = Path.Combine(_options.SpoolDirectory ?? Path.GetTempPath(), $"r2gw-spool-{Guid.NewGuid():N}");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1024 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await body.CopyToAsync(file, 1024 * 1024, cancellationToken);
            file.Position = 0;
            return new SpooledBody(file, file.Length, Owned: true);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static void SetMetadata(HeadersCollection headers, MetadataCollection custom, ObjectMetadata metadata, Action<string> setContentType)
    {
        foreach (var (name, value) in metadata.Custom ?? ObjectMetadata.NoCustom)
        {
            custom[name] = Rfc2047.Encode(value); // the SDK adds x-amz-meta-; non-ASCII goes as S3 expects it
        }

        if (metadata.ContentType is { } contentType)
        {
            setContentType(contentType);
        }

        foreach (var (name, value) in new[]
                 {
                     ("Content-Disposition", metadata.ContentDisposition), ("Cache-Control", metadata.CacheControl),
                     ("Content-Encoding", metadata.ContentEncoding), ("Content-Language", metadata.ContentLanguage),
                     ("Expires", metadata.Expires),
                 })
        {
            if (value is not null)
            {
                headers[name] = value;
            }
        }
    }

    private static ObjectMetadata Metadata(HeadersCollection h, MetadataCollection custom, string? expires) =>
        new(h.ContentType, h.ContentDisposition, h.CacheControl, h.ContentEncoding, h.ContentLanguage, expires,
            custom.Count == 0 ? null : custom.Keys.ToDictionary(
                k => (k.StartsWith(ObjectMetadataRules.CustomHeaderPrefix, StringComparison.OrdinalIgnoreCase) ? k[ObjectMetadataRules.CustomHeaderPrefix.Length..] : k).ToLowerInvariant(),
                k => Rfc2047.Decode(custom[k])));

    private static DateTimeOffset ToOffset(DateTime? value) =>
        value is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime()) : DateTimeOffset.UnixEpoch;

    private sealed record SpooledBody(Stream Stream, long Length, bool Owned) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Owned ? Stream.DisposeAsync() : ValueTask.CompletedTask;
    }
}
