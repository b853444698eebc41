namespace R2Gateway.Cli.Gateway;

// The gateway's JSON answers (docs/contract.md), as far as the client reads them.

public sealed record CreatedUpload(string Key, string UploadId);

public sealed record UploadedPart(int PartNumber, string Etag, IReadOnlyDictionary<string, string>? Checksums = null);

/// <param name="Checksums">Hex, keyed md5, sha256, crc32c, crc64nvme, …</param>
public sealed record ObjectSummary(string Key, long Size, string Etag, IReadOnlyDictionary<string, string>? Checksums = null);

public sealed record PartEntry(int PartNumber, string Etag, long Size);

public sealed record PartList(IReadOnlyList<PartEntry> Parts, bool Truncated, int? NextPartNumberMarker);

public sealed record ListedObject(string Key, long Size, string Etag, DateTimeOffset Uploaded, string? ContentType);

public sealed record ObjectList(IReadOnlyList<ListedObject> Objects, IReadOnlyList<string>? DelimitedPrefixes, bool Truncated, string? Cursor);

public sealed record PresignRequest(string Method, long ExpiresIn, string? ContentType);

public sealed record PresignedUrl(string Url, string Method, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string>? Headers);

/// <summary>The fields of a problem+json answer that a person acts on.</summary>
public sealed record Problem(string? Title, string? Detail, string? Code);
