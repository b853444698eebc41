using System.Globalization;
using System.Xml;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>ListObjectsV2 and ListObjects (V1) on the store's prefix/delimiter/cursor listing; ListMultipartUploads.</summary>
public static class S3Listing
{
    private static readonly string[] Parties = ["Initiator", "Owner"];

    public static async Task ListObjectsV2Async(S3Call call)
    {
        if (call.Query("list-type") != "2")
        {
            throw Error.InvalidArgument("list-type must be 2.");
        }

        var (prefix, delimiter, max, url) = await CommonAsync(call);
        var token = call.Query("continuation-token");
        var startAfter = call.Query("start-after");
        var page = await PageAsync(call, prefix, delimiter, token, token is null ? startAfter : null, max);
        await S3Xml.WriteAsync(call.Context, "ListBucketResult", w =>
        {
            w.WriteElementString("Name", call.Bucket);
            w.WriteElementString("Prefix", Encode(prefix, url));
            if (delimiter is not null)
            {
                w.WriteElementString("Delimiter", Encode(delimiter, url));
            }

            w.WriteElementString("MaxKeys", max.ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("KeyCount", (page.Objects.Count + page.DelimitedPrefixes.Count).ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("IsTruncated", page.IsTruncated ? "true" : "false");
            if (token is not null)
            {
                w.WriteElementString("ContinuationToken", token);
            }

            if (page.IsTruncated)
            {
                w.WriteElementString("NextContinuationToken", page.Cursor);
            }

            if (startAfter is not null)
            {
                w.WriteElementString("StartAfter", Encode(startAfter, url));
            }

            if (url)
            {
                w.WriteElementString("EncodingType", "url");
            }

            WriteEntries(w, page, url);
        });
    }

    public static async Task ListObjectsV1Async(S3Call call)
    {
        var (prefix, delimiter, max, url) = await CommonAsync(call);
        var marker = call.Query("marker");
        var page = await PageAsync(call, prefix, delimiter, null, marker, max);
        await S3Xml.WriteAsync(call.Context, "ListBucketResult", w =>
        {
            w.WriteElementString("Name", call.Bucket);
            w.WriteElementString("Prefix", Encode(prefix, url));
            w.WriteElementString("Marker", Encode(marker ?? "", url));
            if (delimiter is not null)
            {
                w.WriteElementString("Delimiter", Encode(delimiter, url));
            }

            w.WriteElementString("MaxKeys", max.ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("IsTruncated", page.IsTruncated ? "true" : "false");
            if (page.IsTruncated)
            {
                var last = page.Objects.Select(o => o.Key).Concat(page.DelimitedPrefixes).Max(StringComparer.Ordinal);
                w.WriteElementString("NextMarker", Encode(last!, url));
            }

            if (url)
            {
                w.WriteElementString("EncodingType", "url");
            }

            WriteEntries(w, page, url);
        });
    }

    /// <summary>The uploads in progress under a prefix, paged by key-marker and upload-id-marker.</summary>
    public static async Task ListMultipartUploadsAsync(S3Call call)
    {
        var prefix = call.Query("prefix") ?? "";
        await call.AuthorizeAsync(Right.Read, prefix);
        if (call.Query("delimiter") is { Length: > 0 })
        {
            throw Error.NotImplemented("ListMultipartUploads with a delimiter is not implemented; list by prefix.");
        }

        var url = UrlEncoded(call);
        var keyMarker = call.Query("key-marker") is { Length: > 0 } k ? k : null;
        var uploadIdMarker = keyMarker is not null && call.Query("upload-id-marker") is { Length: > 0 } u ? u : null;
        var max = Math.Min(Listing.MaxLimit, S3Multipart.ParseInt(call.Query("max-uploads"), Listing.MaxLimit, int.MaxValue, "max-uploads"));
        var listing = max == 0
            ? new UploadListing([], false, null, null)
            : await call.Store.ListMultipartUploadsAsync(new UploadListRequest(prefix, keyMarker, uploadIdMarker, max), call.Aborted);
        await S3Xml.WriteAsync(call.Context, "ListMultipartUploadsResult", w =>
        {
            w.WriteElementString("Bucket", call.Bucket);
            w.WriteElementString("KeyMarker", Encode(keyMarker ?? "", url));
            w.WriteElementString("UploadIdMarker", uploadIdMarker ?? "");
            w.WriteElementString("NextKeyMarker", Encode(listing.NextKeyMarker ?? "", url));
            w.WriteElementString("NextUploadIdMarker", listing.NextUploadIdMarker ?? "");
            w.WriteElementString("Prefix", Encode(prefix, url));
            w.WriteElementString("MaxUploads", max.ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("IsTruncated", listing.IsTruncated ? "true" : "false");
            if (url)
            {
                w.WriteElementString("EncodingType", "url");
            }

            foreach (var upload in listing.Uploads)
            {
                w.WriteStartElement("Upload");
                w.WriteElementString("Key", Encode(upload.Key, url));
                w.WriteElementString("UploadId", upload.UploadId);
                foreach (var who in Parties)
                {
                    w.WriteStartElement(who);
                    w.WriteElementString("ID", "r2gateway");
                    w.WriteElementString("DisplayName", "r2gateway");
                    w.WriteEndElement();
                }

                w.WriteElementString("StorageClass", "STANDARD");
                w.WriteElementString("Initiated", S3Xml.Timestamp(upload.Initiated));
                w.WriteEndElement();
            }
        });
    }

    private static bool UrlEncoded(S3Call call) => call.Query("encoding-type") switch
    {
        null => false,
        "url" => true,
        _ => throw Error.InvalidArgument("Invalid Encoding Method specified in Request"),
    };

    private static async Task<(string Prefix, string? Delimiter, int Max, bool Url)> CommonAsync(S3Call call)
    {
        var prefix = call.Query("prefix") ?? "";
        await call.AuthorizeAsync(Right.Read, prefix);
        var delimiter = call.Query("delimiter") is { Length: > 0 } d ? d : null;
        var max = Math.Min(Listing.MaxLimit, S3Multipart.ParseInt(call.Query("max-keys"), Listing.MaxLimit, int.MaxValue, "max-keys"));
        return (prefix, delimiter, max, UrlEncoded(call));
    }

    /// <summary>One page of at most <paramref name="max"/> entries after <paramref name="after"/>. The store
    /// lists from its own cursors, so a marker is honoured by skipping whole pages up to it.</summary>
    private static async Task<ObjectListing> PageAsync(S3Call call, string prefix, string? delimiter, string? cursor, string? after, int max)
    {
        if (max == 0)
        {
            return new ObjectListing([], [], false, null);
        }

        var objects = new List<ObjectInfo>();
        var prefixes = new List<string>();
        while (true)
        {
            var page = await call.Store.ListObjectsAsync(new ListRequest(prefix, delimiter, cursor, max - objects.Count - prefixes.Count), call.Aborted);
            objects.AddRange(page.Objects.Where(o => after is null || string.CompareOrdinal(o.Key, after) > 0));
            prefixes.AddRange(page.DelimitedPrefixes.Where(p => after is null || string.CompareOrdinal(p, after) > 0));
            cursor = page.Cursor;
            if (!page.IsTruncated || objects.Count + prefixes.Count >= max)
            {
                return new ObjectListing(objects, prefixes, page.IsTruncated, page.Cursor);
            }
        }
    }

    private static void WriteEntries(XmlWriter w, ObjectListing page, bool url)
    {
        foreach (var o in page.Objects)
        {
            w.WriteStartElement("Contents");
            w.WriteElementString("Key", Encode(o.Key, url));
            w.WriteElementString("LastModified", S3Xml.Timestamp(o.LastModified));
            w.WriteElementString("ETag", Etags.Quote(o.ETag));
            w.WriteElementString("Size", o.Size.ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("StorageClass", "STANDARD");
            w.WriteEndElement();
        }

        foreach (var p in page.DelimitedPrefixes)
        {
            w.WriteStartElement("CommonPrefixes");
            w.WriteElementString("Prefix", Encode(p, url));
            w.WriteEndElement();
        }
    }

    private static string Encode(string value, bool url) => url ? SigV4Request.UriEncode(value, keepSlash: true) : value;
}
