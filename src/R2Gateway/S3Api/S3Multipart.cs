using System.Globalization;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts.
/// R2's rules (part sizes, equal parts, limits, ETags) are the store's, as in the Worker API.</summary>
public static class S3Multipart
{
    public static async Task CreateAsync(S3Call call)
    {
        var algorithm = Http.ObjectHttpMetadata.ChecksumAlgorithmFromRequest(call.Request);
        var uploadId = await call.Store.CreateMultipartUploadAsync(call.Key, S3Call.MetadataFrom(call.Request), algorithm, call.Aborted);
        if (algorithm is { } a)
        {
            call.Response.Headers[Checksums.AlgorithmHeader] = Checksums.Name(a).ToUpperInvariant();
        }

        await S3Xml.WriteAsync(call.Context, "InitiateMultipartUploadResult", w =>
        {
            w.WriteElementString("Bucket", call.Bucket);
            w.WriteElementString("Key", call.Key);
            w.WriteElementString("UploadId", uploadId);
        });
    }

    public static async Task UploadPartAsync(S3Call call)
    {
        var (uploadId, number) = UploadAndPart(call);
        var (body, length) = call.OpenBody(MultipartRules.MaxPartSize, "A part");
        var part = await call.Store.UploadPartAsync(call.Key, uploadId, number, body, length, S3Objects.ContentMd5(call.Request),
            Http.ObjectHttpMetadata.ChecksumFromRequest(call.Request), call.Aborted);
        call.Response.Headers.ETag = Etags.Quote(part.ETag);
        call.EchoChecksum(part.Checksum);
    }

    /// <summary>A part copied from an object (in any bucket the caller may read), optionally a byte range of it; streamed.</summary>
    public static async Task UploadPartCopyAsync(S3Call call)
    {
        var (uploadId, number) = UploadAndPart(call);
        var copySource = await call.CopySourceAsync();
        await using var source = await S3Objects.OpenCopySourceAsync(call, copySource.Store, copySource.Key);
        long first = 0, length = source.Info.Size;
        if (call.Request.Headers["x-amz-copy-source-range"].ToString() is { Length: > 0 } range)
        {
            var dash = range.IndexOf('-');
            if (!range.StartsWith("bytes=", StringComparison.Ordinal) || dash < 0
                || !long.TryParse(range.AsSpan(6, dash - 6), NumberStyles.None, CultureInfo.InvariantCulture, out first)
                || !long.TryParse(range.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || last < first || last >= source.Info.Size)
            {
                throw Error.InvalidArgument("x-amz-copy-source-range must be bytes=first-last within the source object.");
            }

            length = last - first + 1;
        }

        if (length > MultipartRules.MaxPartSize)
        {
            throw Error.PartTooLarge(MultipartRules.MaxPartSize);
        }

        source.Content.Position = first;
        var part = await call.Store.UploadPartAsync(call.Key, uploadId, number, new SliceStream(source.Content, length), length, null, null, call.Aborted);
        await S3Xml.WriteAsync(call.Context, "CopyPartResult", w =>
        {
            w.WriteElementString("LastModified", S3Xml.Timestamp(DateTimeOffset.UtcNow));
            w.WriteElementString("ETag", Etags.Quote(part.ETag));
        });
    }

    public static async Task CompleteAsync(S3Call call)
    {
        var uploadId = call.Query("uploadId")!;
        var document = await call.ReadXmlAsync(2 * 1024 * 1024);
        if (document.Root?.Name.LocalName != "CompleteMultipartUpload")
        {
            throw Error.MalformedXml();
        }

        var parts = new List<UploadedPart>();
        foreach (var element in document.Root.Elements().Where(e => e.Name.LocalName == "Part"))
        {
            var numberText = element.Elements().FirstOrDefault(e => e.Name.LocalName == "PartNumber")?.Value;
            var etag = element.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value;
            if (!int.TryParse(numberText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || string.IsNullOrWhiteSpace(etag))
            {
                throw Error.MalformedXml();
            }

            MultipartRules.EnsurePartNumber(number);
            parts.Add(new UploadedPart(number, Etags.Normalize(etag)));
        }

        if (parts.Count == 0)
        {
            throw Error.MalformedXml();
        }

        if (parts.Zip(parts.Skip(1)).Any(p => p.First.PartNumber >= p.Second.PartNumber))
        {
            throw Error.InvalidPartOrder();
        }

        var info = await call.Store.CompleteMultipartUploadAsync(call.Key, uploadId, parts, call.Aborted);
        await S3Xml.WriteAsync(call.Context, "CompleteMultipartUploadResult", w =>
        {
            w.WriteElementString("Location", $"{call.Request.Scheme}://{call.Request.Host}/{call.Bucket}/{SigV4Request.UriEncode(call.Key, keepSlash: true)}");
            w.WriteElementString("Bucket", call.Bucket);
            w.WriteElementString("Key", call.Key);
            w.WriteElementString("ETag", Etags.Quote(info.ETag));
        });
    }

    public static async Task AbortAsync(S3Call call)
    {
        await call.Store.AbortMultipartUploadAsync(call.Key, call.Query("uploadId")!, call.Aborted);
        call.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public static async Task ListPartsAsync(S3Call call)
    {
        var uploadId = call.Query("uploadId")!;
        var marker = ParseInt(call.Query("part-number-marker"), 0, MultipartRules.MaxParts, "part-number-marker");
        var max = Math.Min(1000, ParseInt(call.Query("max-parts"), 1000, int.MaxValue, "max-parts"));
        var listing = await call.Store.ListPartsAsync(call.Key, uploadId, marker, Math.Max(1, max), call.Aborted);
        await S3Xml.WriteAsync(call.Context, "ListPartsResult", w =>
        {
            w.WriteElementString("Bucket", call.Bucket);
            w.WriteElementString("Key", call.Key);
            w.WriteElementString("UploadId", uploadId);
            w.WriteElementString("PartNumberMarker", marker.ToString(CultureInfo.InvariantCulture));
            if (listing.NextPartNumberMarker is { } next)
            {
                w.WriteElementString("NextPartNumberMarker", next.ToString(CultureInfo.InvariantCulture));
            }

            w.WriteElementString("MaxParts", max.ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("IsTruncated", listing.IsTruncated ? "true" : "false");
            w.WriteElementString("StorageClass", "STANDARD");
            foreach (var part in listing.Parts)
            {
                w.WriteStartElement("Part");
                w.WriteElementString("PartNumber", part.PartNumber.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("LastModified", S3Xml.Timestamp(part.LastModified));
                w.WriteElementString("ETag", Etags.Quote(part.ETag));
                w.WriteElementString("Size", part.Size.ToString(CultureInfo.InvariantCulture));
                w.WriteEndElement();
            }
        });
    }

    private static (string UploadId, int PartNumber) UploadAndPart(S3Call call)
    {
        var number = ParseInt(call.Query("partNumber"), -1, MultipartRules.MaxParts, "partNumber");
        if (number < 1)
        {
            throw Error.InvalidPartNumber(MultipartRules.MaxParts);
        }

        return (call.Query("uploadId")!, number);
    }

    internal static int ParseInt(string? value, int absent, int max, string name) =>
        value is null ? absent
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max ? n
        : throw Error.InvalidArgument($"{name} must be an integer from 0 to {max}.");

    /// <summary>The next <paramref name="length"/> bytes of a stream.</summary>
    private sealed class SliceStream(Stream inner, long length) : ForwardReadStream
    {
        private long _left = length;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_left == 0)
            {
                return 0;
            }

            var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken);
            _left -= n;
            return n;
        }
    }
}
