using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using R2Gateway.Http;
using R2Gateway.Storage;

namespace R2Gateway.Actions;

/// <summary>mpu-create, mpu-uploadpart, mpu-complete, mpu-abort, mpu-listparts.</summary>
public static class MultipartActions
{
    // 10,000 parts at ~70 bytes each fits in under 1 MiB; allow twice that.
    internal const int MaxCompleteBodyBytes = 2 * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    public static async Task<Ok<CreatedUpload>> CreateAsync(
        ObjectKey key, HttpRequest request, IObjectStore store, CancellationToken cancellationToken)
    {
        var uploadId = await store.CreateMultipartUploadAsync(key.Required(), ObjectHttpMetadata.FromRequest(request),
            ObjectHttpMetadata.ChecksumAlgorithmFromRequest(request), cancellationToken);
        return TypedResults.Ok(new CreatedUpload(key.Value, uploadId));
    }

    public static async Task<Ok<UploadedPartResponse>> UploadPartAsync(
        ObjectKey key, string? uploadId, string? partNumber, HttpContext context, IObjectStore store, CancellationToken cancellationToken)
    {
        if (uploadId is null || partNumber is null)
        {
            throw Error.MissingPartNumberOrUploadId();
        }

        if (RequestBodies.ParseInt(partNumber) is not { } number)
        {
            throw Error.InvalidPartNumber(MultipartRules.MaxParts, partNumber);
        }

        MultipartRules.EnsurePartNumber(number);
        if (!RequestBodies.HasBody(context))
        {
            throw Error.MissingBody();
        }

        if (!RequestBodies.TryReadContentMd5(context.Request, out var contentMd5))
        {
            throw Error.BadContentMd5();
        }

        RequestBodies.Limit(context, MultipartRules.MaxPartSize, "A part");
        var checksum = ObjectHttpMetadata.ChecksumFromRequest(context.Request);
        var part = await store.UploadPartAsync(key.Required(), uploadId, number, context.Request.Body, context.Request.ContentLength, contentMd5, checksum, cancellationToken);
        context.Response.Headers.ETag = Etags.Quote(part.ETag); // as S3 answers: browsers using presigned part URLs read it
        ObjectHttpMetadata.WriteChecksum(context.Response, part.Checksum);
        return TypedResults.Ok(new UploadedPartResponse(part.PartNumber, part.ETag, part.Checksum is null ? null : ChecksumsJson.Of(null, part.Checksum)));
    }

    public static async Task<Ok<ObjectSummary>> CompleteAsync(
        ObjectKey key, string? uploadId, HttpContext context, IObjectStore store, CancellationToken cancellationToken)
    {
        if (uploadId is null)
        {
            throw Error.MissingUploadId();
        }

        RequestBodies.Limit(context, MaxCompleteBodyBytes, "The mpu-complete body");
        CompleteBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<CompleteBody>(context.Request.Body, Json, cancellationToken);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body?.Parts is not { Count: > 0 } listed
            || listed.Any(p => p?.PartNumber is null || string.IsNullOrWhiteSpace(p.Etag)))
        {
            throw Error.BadCompleteBody();
        }

        var parts = listed.Select(p => new UploadedPart(p!.PartNumber!.Value, Etags.Normalize(p.Etag!))).ToList();
        foreach (var part in parts)
        {
            MultipartRules.EnsurePartNumber(part.PartNumber);
        }

        if (parts.GroupBy(p => p.PartNumber).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw Error.DuplicatePart(duplicate.Key);
        }

        var info = await store.CompleteMultipartUploadAsync(key.Required(), uploadId, parts, cancellationToken);
        context.Response.Headers.ETag = Etags.Quote(info.ETag);
        ObjectHttpMetadata.WriteChecksum(context.Response, info.Checksum);
        return TypedResults.Ok(ObjectSummary.Of(info));
    }

    public static async Task<NoContent> AbortAsync(
        ObjectKey key, string? uploadId, IObjectStore store, CancellationToken cancellationToken)
    {
        if (uploadId is null)
        {
            throw Error.MissingUploadId();
        }

        try
        {
            await store.AbortMultipartUploadAsync(key.Required(), uploadId, cancellationToken);
        }
        catch (ContractException e) when (e.Code == ErrorCode.NoSuchUpload)
        {
            // Idempotent, as on R2: an upload already aborted or completed is a 204. Stores keep no
            // record of finished uploads, so an uploadId never issued (or of another key) gets the same.
        }

        return TypedResults.NoContent();
    }

    public static async Task<Ok<PartList>> ListPartsAsync(
        ObjectKey key, string? uploadId, string? partNumberMarker, string? maxParts, IObjectStore store, CancellationToken cancellationToken)
    {
        if (uploadId is null)
        {
            throw Error.MissingUploadId();
        }

        var marker = partNumberMarker is null ? 0 : RequestBodies.ParseInt(partNumberMarker) ?? -1;
        var max = maxParts is null ? 1000 : RequestBodies.ParseInt(maxParts) ?? -1;
        if (marker is < 0 or > MultipartRules.MaxParts || max is < 1 or > 1000)
        {
            throw Error.InvalidArgument($"partNumberMarker must be 0 to {MultipartRules.MaxParts} and maxParts 1 to 1000.");
        }

        var listing = await store.ListPartsAsync(key.Required(), uploadId, marker, max, cancellationToken);
        var parts = listing.Parts.Select(p => new PartEntry(p.PartNumber, p.ETag, p.Size, p.LastModified)).ToList();
        return TypedResults.Ok(new PartList(key.Value, uploadId, parts, listing.IsTruncated, listing.NextPartNumberMarker));
    }
}
