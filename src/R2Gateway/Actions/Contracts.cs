namespace R2Gateway.Actions;

// The JSON bodies of the contract. Property names serialise camelCase, as the Worker's do.

public sealed record CreatedUpload(string Key, string UploadId);

/// <summary>As the Worker's R2UploadedPart: the etag is unquoted.</summary>
public sealed record UploadedPartResponse(int PartNumber, string Etag);

public sealed record ObjectSummary(string Key, long Size, string Etag);

public sealed record CompleteBody(List<CompletePart?>? Parts);

public sealed record CompletePart(int? PartNumber, string? Etag);

public sealed record PartEntry(int PartNumber, string Etag, long Size, DateTimeOffset Uploaded);

public sealed record PartList(string Key, string UploadId, IReadOnlyList<PartEntry> Parts, bool Truncated, int? NextPartNumberMarker);

public sealed record ListedObject(string Key, long Size, string Etag, DateTimeOffset Uploaded, string? ContentType);

public sealed record ObjectList(IReadOnlyList<ListedObject> Objects, IReadOnlyList<string> DelimitedPrefixes, bool Truncated, string? Cursor);

public sealed record PresignBody(string? Method, int? ExpiresIn, string? ContentType);

/// <param name="Headers">Headers the request must send for the signature to hold.</param>
public sealed record PresignResponse(string Url, string Method, DateTimeOffset ExpiresAt, IReadOnlyDictionary<string, string> Headers);
