using System.Security.Claims;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http.Features;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>One S3 request as a handler sees it: the bucket and key it names, the store, and the
/// caller's principal (null when the gateway runs without tokens).</summary>
public sealed class S3Call(
    HttpContext context, string bucket, string key, IObjectStore store, IBucketStores buckets, ClaimsPrincipal? user, S3Signing? signing, S3ApiOptions options,
    Microsoft.AspNetCore.Authorization.IAuthorizationService authorization)
{
    public HttpContext Context { get; } = context;
    public HttpRequest Request => Context.Request;
    public HttpResponse Response => Context.Response;
    public string Bucket { get; } = bucket;
    public string Key { get; } = key;
    /// <summary>The bucket's store (null only for service-level operations and CreateBucket).</summary>
    public IObjectStore Store { get; } = store;
    public IBucketStores Buckets { get; } = buckets;
    public ClaimsPrincipal? User { get; } = user;
    public S3ApiOptions Options { get; } = options;
    public CancellationToken Aborted => Context.RequestAborted;

    public string? Query(string name) => Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>The same policy as the Worker API's: the token's right in the bucket, on a prefix of the exact key.</summary>
    public async Task<bool> MayAsync(Right right, string key, string? bucket = null) =>
        User is null || await authorization.MayAsync(User, right, new ObjectResource(bucket ?? Bucket, key));

    public async Task AuthorizeAsync(Right right, string key, string? bucket = null)
    {
        if (!await MayAsync(right, key, bucket))
        {
            throw Error.AccessDenied(
                $"Token '{User!.Identity?.Name}' may not {right.ToString().ToLowerInvariant()} '{key}' in '{bucket ?? Bucket}': it needs that right in the bucket, on a prefix of the key.");
        }
    }

    /// <summary>The object bytes, checked as the request's signing mode says, with the largest size allowed.
    /// For a store: the caller passes the request's <c>x-amz-checksum-*</c> on to it, and the store checks it.</summary>
    public (Stream Body, long? Length) OpenBody(long maxBytes, string what)
    {
        var (body, length) = S3Payload.Open(Request, signing, storeChecksHeader: true);
        if (length is null)
        {
            throw Error.MissingContentLength();
        }

        if (length > maxBytes)
        {
            throw Error.BodyTooLarge(what, maxBytes, length);
        }

        if (Context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null; // bounded by the declared length, checked as the body streams
        }

        return (body, length);
    }

    /// <summary>An XML request body (CompleteMultipartUpload, DeleteObjects): small, bounded, no DTDs.</summary>
    public async Task<XDocument> ReadXmlAsync(int maxBytes)
    {
        var (body, _) = S3Payload.Open(Request, signing);
        var bytes = await S3Payload.ReadSmallAsync(body, maxBytes, Aborted);
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XDocument.Load(reader);
        }
        catch (XmlException)
        {
            throw Error.MalformedXml();
        }
    }

    /// <summary>The object named by x-amz-copy-source, in any bucket the caller may read it in.</summary>
    public async Task<(IObjectStore Store, string Bucket, string Key)> CopySourceAsync()
    {
        var raw = Request.Headers["x-amz-copy-source"].ToString();
        var q = raw.IndexOf('?');
        if (q >= 0 && raw[(q + 1)..] is var version && version.Length > 0 && version != "versionId=null")
        {
            throw Error.InvalidArgument("This gateway keeps no versions; x-amz-copy-source may not name one.");
        }

        var source = Uri.UnescapeDataString(q < 0 ? raw : raw[..q]).TrimStart('/');
        var slash = source.IndexOf('/');
        if (slash <= 0 || slash == source.Length - 1)
        {
            throw Error.InvalidArgument("x-amz-copy-source must be <bucket>/<key>.");
        }

        var bucket = BucketNames.Validate(source[..slash]);
        var key = source[(slash + 1)..];
        ObjectKeys.Validate(key);
        await AuthorizeAsync(Right.Read, key, bucket);
        var store = bucket == Bucket ? Store : Buckets.Find(bucket) ?? throw Error.NoSuchBucket(bucket);
        return (store, bucket, key);
    }

    public static ObjectMetadata MetadataFrom(HttpRequest request)
    {
        var metadata = Http.ObjectHttpMetadata.FromRequest(request);
        if (metadata.ContentEncoding is { } encoding)
        {
            // aws-chunked describes this request's framing, not the object.
            var kept = encoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(e => !e.Equals("aws-chunked", StringComparison.OrdinalIgnoreCase)).ToList();
            metadata = metadata with { ContentEncoding = kept.Count == 0 ? null : string.Join(", ", kept) };
        }

        return metadata;
    }

    /// <summary>Echoes a verified checksum, as S3 does: the header's, or the trailer's as stored.</summary>
    public void EchoChecksum(ObjectChecksum? stored = null)
    {
        foreach (var name in S3Checksum.Names)
        {
            if (Request.Headers.TryGetValue(S3Checksum.HeaderPrefix + name, out var value))
            {
                Response.Headers[S3Checksum.HeaderPrefix + name] = value;
                return;
            }
        }

        if (stored is not null && S3Payload.TrailerChecksum(Request) == stored.Algorithm)
        {
            Response.Headers[stored.HeaderName] = stored.Value;
        }
    }
}
