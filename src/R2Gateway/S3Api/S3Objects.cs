using R2Gateway.Actions;
using R2Gateway.Events;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using R2Gateway.Http;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>PutObject, GetObject/HeadObject, DeleteObject, DeleteObjects, CopyObject.</summary>
public static class S3Objects
{
    private const int MaxDeleteObjects = 1000;

    private static readonly (string Query, string Header)[] ResponseOverrides =
    [
        ("response-content-type", HeaderNames.ContentType), ("response-content-disposition", HeaderNames.ContentDisposition),
        ("response-cache-control", HeaderNames.CacheControl), ("response-content-encoding", HeaderNames.ContentEncoding),
        ("response-content-language", HeaderNames.ContentLanguage), ("response-expires", HeaderNames.Expires),
    ];

    public static async Task PutObjectAsync(S3Call call)
    {
        var request = call.Request;
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString().Trim();
        if (ifNoneMatch.Length > 0 && ifNoneMatch != "*")
        {
            throw Error.NotImplemented("PutObject supports If-None-Match only as '*'.");
        }

        var ifMatch = request.Headers.IfMatch.ToString().Trim();
        var (body, length) = call.OpenBody(MaxPut(call), "A single PutObject");
        var options = new PutOptions(S3Call.MetadataFrom(request), IfNoneMatchAny: ifNoneMatch.Length > 0,
            IfMatch: ifMatch.Length == 0 ? null : ifMatch == "*" ? "*" : Etags.Normalize(ifMatch), ContentMd5: ContentMd5(request),
            Checksum: ObjectHttpMetadata.ChecksumFromRequest(request), ComputeChecksum: S3Payload.TrailerChecksum(request));
        var info = await call.Store.PutObjectAsync(call.Key, body, length, options, call.Aborted);
        call.Response.Headers.ETag = Etags.Quote(info.ETag);
        call.EchoChecksum(info.Checksum);
    }

    /// <summary>GET and HEAD. Range and the conditional headers are answered by ASP.NET Core's file
    /// result (206, 304, 412, 416), as in the Worker API; response-* query parameters override headers.</summary>
    public static async Task GetObjectAsync(S3Call call)
    {
        var head = HttpMethods.IsHead(call.Request.Method);
        var found = head
            ? await call.Store.HeadObjectAsync(call.Key, call.Aborted) is { } info ? new StoredObject(info, new LengthOnlyStream(info.Size)) : null
            : await call.Store.GetObjectAsync(call.Key, call.Aborted);
        if (found is null)
        {
            throw Error.NoSuchKey();
        }

        await using (found)
        {
            var response = call.Response;
            // S3 sends the stored checksum only when asked (x-amz-checksum-mode: ENABLED), and not with
            // a Range: it describes the whole object, and clients check the body they got against it.
            var checksumMode = string.Equals(call.Request.Headers["x-amz-checksum-mode"], "ENABLED", StringComparison.OrdinalIgnoreCase)
                && call.Request.Headers.Range.Count == 0;
            ObjectHttpMetadata.WriteTo(response, checksumMode ? found.Info : found.Info with { Checksum = null });
            var contentType = found.Info.Metadata.ContentType ?? "application/octet-stream";
            foreach (var (query, header) in ResponseOverrides)
            {
                if (call.Query(query) is { } value)
                {
                    if (header == HeaderNames.ContentType)
                    {
                        contentType = value;
                    }
                    else
                    {
                        response.Headers[header] = value;
                    }
                }
            }

            await TypedResults.Stream(found.Content, contentType, lastModified: found.Info.LastModified,
                entityTag: new EntityTagHeaderValue(Etags.Quote(found.Info.ETag)), enableRangeProcessing: true).ExecuteAsync(call.Context);
        }
    }

    public static async Task DeleteObjectAsync(S3Call call)
    {
        await call.Store.DeleteObjectAsync(call.Key, call.Aborted);
        call.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>Each key is checked and deleted on its own; one refused key does not stop the others.</summary>
    public static async Task DeleteObjectsAsync(S3Call call)
    {
        var document = await call.ReadXmlAsync(2 * 1024 * 1024);
        var root = document.Root;
        if (root?.Name.LocalName != "Delete")
        {
            throw Error.MalformedXml();
        }

        var quiet = string.Equals(root.Elements().FirstOrDefault(e => e.Name.LocalName == "Quiet")?.Value, "true", StringComparison.OrdinalIgnoreCase);
        var keys = root.Elements().Where(e => e.Name.LocalName == "Object")
            .Select(o => o.Elements().FirstOrDefault(e => e.Name.LocalName == "Key")?.Value).ToList();
        if (keys.Count is 0 or > MaxDeleteObjects || keys.Any(k => k is null))
        {
            throw Error.MalformedXml();
        }

        var results = new List<(string Key, string? Code, string? Message)>();
        foreach (var key in keys)
        {
            try
            {
                ObjectKeys.Validate(key!);
                await call.AuthorizeAsync(Right.Delete, key!);
                await call.Store.DeleteObjectAsync(key!, call.Aborted);
                results.Add((key!, null, null));
            }
            catch (ContractException e)
            {
                results.Add((key!, ErrorCodes.Of(e.Code).S3Code, e.Message));
            }
        }

        await S3Xml.WriteAsync(call.Context, "DeleteResult", w =>
        {
            foreach (var (key, code, message) in results)
            {
                if (code is null && !quiet)
                {
                    w.WriteStartElement("Deleted");
                    w.WriteElementString("Key", key);
                    w.WriteEndElement();
                }
                else if (code is not null)
                {
                    w.WriteStartElement("Error");
                    w.WriteElementString("Key", key);
                    w.WriteElementString("Code", code);
                    w.WriteElementString("Message", message);
                    w.WriteEndElement();
                }
            }
        });
    }

    /// <summary>Streams the source into a new object: COPY keeps the source's metadata, REPLACE takes the request's.</summary>
    public static async Task CopyObjectAsync(S3Call call)
    {
        var (sourceStore, sourceBucket, sourceKey) = await call.CopySourceAsync();
        var replace = call.Request.Headers["x-amz-metadata-directive"].ToString() switch
        {
            "" or "COPY" => false,
            "REPLACE" => true,
            _ => throw Error.InvalidArgument("x-amz-metadata-directive must be COPY or REPLACE."),
        };
        if (sourceBucket == call.Bucket && sourceKey == call.Key && !replace)
        {
            throw Error.InvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata.");
        }

        await using var source = await OpenCopySourceAsync(call, sourceStore, sourceKey);
        if (source.Info.Size > MaxPut(call))
        {
            throw Error.InvalidRequest($"The source is {source.Info.Size} bytes; CopyObject copies at most {MaxPut(call)} (use UploadPartCopy).");
        }

        var metadata = replace ? S3Call.MetadataFrom(call.Request) : source.Info.Metadata;
        // The copy keeps a whole-object checksum (checked again as it streams); a composite one cannot be.
        var checksum = source.Info.Checksum is { } c && Checksums.TryDecode(c.Algorithm, c.Value) is not null ? c : null;
        var info = await ObjectCopy.RunAsync(new CopySource(sourceBucket, sourceKey),
            () => call.Store.PutObjectAsync(call.Key, source.Content, source.Info.Size, new PutOptions(metadata, Checksum: checksum), call.Aborted));
        await S3Xml.WriteAsync(call.Context, "CopyObjectResult", w =>
        {
            w.WriteElementString("LastModified", S3Xml.Timestamp(info.LastModified));
            w.WriteElementString("ETag", Etags.Quote(info.ETag));
        });
    }

    /// <summary>The copy source, after its x-amz-copy-source-if-* conditions.</summary>
    public static async Task<StoredObject> OpenCopySourceAsync(S3Call call, IObjectStore store, string sourceKey)
    {
        var source = await store.GetObjectAsync(sourceKey, call.Aborted)
            ?? throw Error.NoSuchCopySource();
        var h = call.Request.Headers;
        var etag = source.Info.ETag;
        var failed = (h["x-amz-copy-source-if-match"].ToString() is { Length: > 0 } match && Etags.Normalize(match) != etag)
            || (h["x-amz-copy-source-if-none-match"].ToString() is { Length: > 0 } noneMatch && Etags.Normalize(noneMatch) == etag)
            || (DateTimeOffset.TryParse(h["x-amz-copy-source-if-unmodified-since"], out var unmodified) && source.Info.LastModified > unmodified.AddSeconds(1))
            || (DateTimeOffset.TryParse(h["x-amz-copy-source-if-modified-since"], out var modified) && source.Info.LastModified <= modified);
        if (failed)
        {
            await source.DisposeAsync();
            throw Error.PreconditionFailed();
        }

        return source;
    }

    private static long MaxPut(S3Call call) =>
        Math.Min(MultipartRules.MaxPutSize, call.Context.RequestServices.GetRequiredService<IOptions<StorageOptions>>().Value.MaxObjectSize);

    internal static byte[]? ContentMd5(HttpRequest request) =>
        RequestBodies.TryReadContentMd5(request, out var md5)
            ? md5
            : throw Error.InvalidDigest();
}
