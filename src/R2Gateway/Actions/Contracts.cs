using System.Text.Json.Serialization;
using R2Gateway.Storage;

namespace R2Gateway.Actions;

// The JSON bodies of the contract. Property names serialise camelCase, as the Worker's do.

public sealed record CreatedUpload(string Key, string UploadId);

/// <summary>As the Worker's R2UploadedPart: the etag is unquoted.</summary>
public sealed record UploadedPartResponse(
    int PartNumber,
    string Etag,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Checksums = null);

/// <param name="Checksums">As R2Object.checksums: hex, keyed md5, sha1, sha256, crc32, crc32c, crc64nvme.</param>
public sealed record ObjectSummary(string Key, long Size, string Etag, IReadOnlyDictionary<string, string> Checksums)
{
    public static ObjectSummary Of(ObjectInfo info) => new(info.Key, info.Size, info.ETag, ChecksumsJson.Of(info.ETag, info.Checksum));
}

public static class ChecksumsJson
{
    /// <summary>The MD5 (when the etag is one: a single-part object) and the stored checksum, hex.</summary>
    public static IReadOnlyDictionary<string, string> Of(string? etag, ObjectChecksum? checksum)
    {
        var result = new Dictionary<string, string>();
        if (etag is not null && Etags.IsMd5Hex(etag))
        {
            result["md5"] = etag;
        }

        if (checksum is not null)
        {
            result[Storage.Checksums.Name(checksum.Algorithm)] = checksum.Hex;
        }

        return result;
    }
}

/// <summary>R2's httpMetadata in JSON.</summary>
public sealed record HttpMetadataJson(string? ContentType, string? ContentDisposition, string? CacheControl, string? ContentEncoding, string? ContentLanguage, string? Expires)
{
    public static HttpMetadataJson Of(ObjectMetadata m) => new(m.ContentType, m.ContentDisposition, m.CacheControl, m.ContentEncoding, m.ContentLanguage, m.Expires);
}

public sealed record CompleteBody(List<CompletePart?>? Parts);

public sealed record CompletePart(int? PartNumber, string? Etag);

public sealed record PartEntry(int PartNumber, string Etag, long Size, DateTimeOffset Uploaded);

public sealed record PartList(string Key, string UploadId, IReadOnlyList<PartEntry> Parts, bool Truncated, int? NextPartNumberMarker);

/// <param name="HttpMetadata">Only with <c>include=httpMetadata</c>.</param>
/// <param name="CustomMetadata">Only with <c>include=customMetadata</c>.</param>
public sealed record ListedObject(
    string Key,
    long Size,
    string Etag,
    DateTimeOffset Uploaded,
    string? ContentType,
    IReadOnlyDictionary<string, string> Checksums,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HttpMetadataJson? HttpMetadata = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? CustomMetadata = null);

public sealed record ObjectList(IReadOnlyList<ListedObject> Objects, IReadOnlyList<string> DelimitedPrefixes, bool Truncated, string? Cursor);

public sealed record PresignBody(string? Method, int? ExpiresIn, string? ContentType, string? ChecksumSha256 = null, Dictionary<string, string>? Metadata = null);

/// <param name="Headers">Headers the request must send for the signature to hold.</param>
/// <summary>The body of s3-sign: one S3 request of the upload page's AwsS3 plugin.</summary>
public sealed record S3SignBody(string? Method, string? UploadId, int? PartNumber, int? ExpiresIn);

public sealed record PresignResponse(string Url, string Method, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Headers);
