using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using R2Gateway.Http;
using R2Gateway.Storage;

namespace R2Gateway.Actions;

/// <summary>get (and HEAD), put, delete, list.</summary>
public static class ObjectActions
{
    /// <summary>Range, If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since are
    /// answered by ASP.NET Core's file result (206, 304, 412, 416), which needs a seekable stream.</summary>
    public static async Task<FileStreamHttpResult> GetAsync(
        ObjectKey key, HttpContext context, IObjectStore store, IOptions<ObjectResponseOptions> responses, CancellationToken cancellationToken)
    {
        // HEAD needs only the headers: the file result never reads the body of a HEAD answer.
        var found = HttpMethods.IsHead(context.Request.Method)
            ? await store.HeadObjectAsync(key.Required(), cancellationToken) is { } head ? new StoredObject(head, new LengthOnlyStream(head.Size)) : null
            : await store.GetObjectAsync(key.Required(), cancellationToken);
        if (found is null)
        {
            throw Error.NoSuchKey();
        }

        var info = found.Info;
        ObjectHttpMetadata.WriteTo(context.Response, info);
        var contentType = ObjectHttpMetadata.ContentTypeOf(info);
        ActiveContent.Secure(context.Response, contentType, responses.Value);
        ConditionalRequests.Normalize(context.Request, info.ETag);
        return TypedResults.Stream(found.Content, contentType,
            lastModified: info.LastModified, entityTag: new EntityTagHeaderValue(Etags.Quote(info.ETag)),
            enableRangeProcessing: true);
    }

    public static async Task<Ok<ObjectSummary>> PutAsync(
        ObjectKey key, HttpContext context, IObjectStore store, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && ifNoneMatch.Trim() != "*")
        {
            throw Error.OnlyIfNoneMatchAny();
        }

        var ifMatch = request.Headers.IfMatch.ToString();
        if (!RequestBodies.TryReadContentMd5(request, out var contentMd5))
        {
            throw Error.BadContentMd5();
        }

        RequestBodies.Limit(context, Math.Min(MultipartRules.MaxPutSize, context.RequestServices.GetRequiredService<IOptions<StorageOptions>>().Value.MaxObjectSize), "A single put");
        var options = new PutOptions(
            ObjectHttpMetadata.FromRequest(request),
            IfNoneMatchAny: ifNoneMatch.Length > 0,
            IfMatch: ifMatch.Length == 0 ? null : ifMatch.Trim() == "*" ? "*" : Etags.Normalize(ifMatch),
            ContentMd5: contentMd5,
            Checksum: ObjectHttpMetadata.ChecksumFromRequest(request));
        var info = await store.PutObjectAsync(key.Required(), request.Body, request.ContentLength, options, cancellationToken);
        context.Response.Headers.ETag = Etags.Quote(info.ETag);
        ObjectHttpMetadata.WriteChecksum(context.Response, info.Checksum);
        return TypedResults.Ok(ObjectSummary.Of(info));
    }

    public static async Task<NoContent> DeleteAsync(ObjectKey key, IObjectStore store, CancellationToken cancellationToken)
    {
        await store.DeleteObjectAsync(key.Required(), cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Lists objects under <paramref name="prefix"/>, or under the path's key when no prefix is given.</summary>
    /// <param name="include">R2's include: <c>httpMetadata</c>, <c>customMetadata</c>, comma-separated or repeated.</param>
    public static async Task<Ok<ObjectList>> ListAsync(
        ObjectKey key, string? prefix, string? delimiter, string? cursor, string? limit, string? startAfter, [FromQuery] string[]? include, // explicit: the compile-time generator would read an array from the body
        IObjectStore store, CancellationToken cancellationToken)
    {
        var included = (include ?? []).SelectMany(i => i.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        if (included.FirstOrDefault(i => i is not ("httpMetadata" or "customMetadata")) is { } unknown)
        {
            throw Error.InvalidArgument($"include takes httpMetadata and customMetadata; got '{unknown}'.");
        }

        var withHttp = included.Contains("httpMetadata");
        var withCustom = included.Contains("customMetadata");
        var max = limit is null ? Listing.MaxLimit : RequestBodies.ParseInt(limit) ?? -1;
        if (max is < 1 or > Listing.MaxLimit)
        {
            throw Error.InvalidArgument($"limit must be an integer from 1 to {Listing.MaxLimit}.");
        }

        var listing = await store.ListObjectsAsync(
            new ListRequest(prefix ?? key.Value, string.IsNullOrEmpty(delimiter) ? null : delimiter, cursor, max,
                string.IsNullOrEmpty(startAfter) ? null : startAfter, withHttp || withCustom), cancellationToken);
        var objects = listing.Objects
            .Select(o => new ListedObject(o.Key, o.Size, o.ETag, o.LastModified, o.Metadata.ContentType, ChecksumsJson.Of(o.ETag, o.Checksum),
                withHttp ? HttpMetadataJson.Of(o.Metadata) : null,
                withCustom ? o.Metadata.Custom ?? ObjectMetadata.NoCustom : null))
            .ToList();
        return TypedResults.Ok(new ObjectList(objects, listing.DelimitedPrefixes, listing.IsTruncated, listing.Cursor));
    }
}
