using Microsoft.Net.Http.Headers;
using R2Gateway.Storage;

namespace R2Gateway.Http;

/// <summary>Moves metadata and checksum headers between HTTP messages and <see cref="ObjectMetadata"/>,
/// <see cref="ObjectChecksum"/>.</summary>
public static class ObjectHttpMetadata
{
    /// <summary>The standard headers and every <c>x-amz-meta-*</c> (names lower-cased, RFC 2047 values
    /// decoded); more than <see cref="ObjectMetadataRules.MaxMetadataBytes"/> in all is MetadataTooLarge.</summary>
    public static ObjectMetadata FromRequest(HttpRequest request)
    {
        var h = request.Headers;
        Dictionary<string, string>? custom = null;
        foreach (var (name, values) in h)
        {
            if (name.Length > ObjectMetadataRules.CustomHeaderPrefix.Length
                && name.StartsWith(ObjectMetadataRules.CustomHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                custom ??= new Dictionary<string, string>(StringComparer.Ordinal);
                custom[name[ObjectMetadataRules.CustomHeaderPrefix.Length..].ToLowerInvariant()] = Rfc2047.Decode(values.ToString());
            }
        }

        var metadata = new ObjectMetadata(
            ContentType: Value(h.ContentType),
            ContentDisposition: Value(h.ContentDisposition),
            CacheControl: Value(h.CacheControl),
            ContentEncoding: Value(h.ContentEncoding),
            ContentLanguage: Value(h.ContentLanguage),
            Expires: Value(h.Expires),
            Custom: custom);
        ObjectMetadataRules.Check(metadata);
        return metadata;
    }

    /// <summary>The one <c>x-amz-checksum-*</c> header a put or part sent, if any.</summary>
    public static ObjectChecksum? ChecksumFromRequest(HttpRequest request)
    {
        ObjectChecksum? found = null;
        foreach (var algorithm in Checksums.All)
        {
            if (!request.Headers.TryGetValue(Checksums.HeaderName(algorithm), out var value))
            {
                continue;
            }

            if (found is not null)
            {
                throw Error.OneChecksumHeader();
            }

            var text = value.ToString().Trim();
            found = Checksums.TryDecode(algorithm, text) is not null
                ? new ObjectChecksum(algorithm, text)
                : throw Error.BadChecksumValue(Checksums.HeaderName(algorithm), Checksums.Size(algorithm), Checksums.Name(algorithm));
        }

        return found;
    }

    /// <summary>The algorithm named by <c>x-amz-checksum-algorithm</c> on mpu-create, if any.</summary>
    public static ChecksumAlgorithm? ChecksumAlgorithmFromRequest(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Checksums.AlgorithmHeader, out var value))
        {
            return null;
        }

        return Checksums.TryParse(value.ToString(), out var algorithm)
            ? algorithm
            : throw Error.UnknownChecksumAlgorithm(Checksums.AlgorithmHeader, Checksums.All.Select(Checksums.Name));
    }

    /// <summary>Writes the metadata headers other than Content-Type, which the file result sets, and the checksum.</summary>
    public static void WriteTo(HttpResponse response, ObjectInfo info)
    {
        var h = response.Headers;
        var m = info.Metadata;
        Set(h, HeaderNames.ContentDisposition, m.ContentDisposition);
        Set(h, HeaderNames.CacheControl, m.CacheControl);
        Set(h, HeaderNames.ContentEncoding, m.ContentEncoding);
        Set(h, HeaderNames.ContentLanguage, m.ContentLanguage);
        Set(h, HeaderNames.Expires, m.Expires);
        foreach (var (name, value) in m.Custom ?? ObjectMetadata.NoCustom)
        {
            h[ObjectMetadataRules.CustomHeaderPrefix + name] = Rfc2047.Encode(value);
        }

        WriteChecksum(response, info.Checksum);
    }

    public static void WriteChecksum(HttpResponse response, ObjectChecksum? checksum)
    {
        if (checksum is not null)
        {
            response.Headers[checksum.HeaderName] = checksum.Value;
        }
    }

    private static string? Value(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count == 0 ? null : values.ToString();

    /// <summary>The stored Content-Type when it can be sent back; objects stored before the
    /// metadata rules may hold one that cannot.</summary>
    public static string ContentTypeOf(ObjectInfo info) =>
        info.Metadata.ContentType is { } type && ObjectMetadataRules.IsSendable(type) ? type : "application/octet-stream";

    // A value stored before the metadata rules that cannot go out as a header is left out, not a 500.
    private static void Set(IHeaderDictionary headers, string name, string? value)
    {
        if (value is not null && ObjectMetadataRules.IsSendable(value))
        {
            headers[name] = value;
        }
    }
}
