namespace R2Gateway.Errors;

/// <summary>
/// One factory for each contract error message, so a message is written once whichever API or layer
/// raises it. Throw what they return (<c>throw Error.NoSuchUpload();</c>); see <see cref="ContractException"/>
/// for the rule. The few generic ones (<see cref="InvalidArgument"/> and the per-code ones taking a
/// detail) are for a check made in one place only.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "An application, not a library for other languages: 'throw Error.NoSuchUpload()' reads as what it does.")]
public static class Error
{
    // Keys

    public static ContractException EmptyKey() =>
        new(ErrorCode.InvalidArgument, "The object key is empty: put the key in the path, e.g. /photos/cat.png?action=get.");

    public static ContractException KeyHasControlCharacter() =>
        new(ErrorCode.InvalidArgument, "The object key contains a control character, which keys may not have.");

    public static ContractException KeyTooLong(int bytes, int maxBytes) =>
        new(ErrorCode.KeyTooLongError, $"The object key is {bytes} bytes of UTF-8; keys may be at most {maxBytes}.");

    public static ContractException KeyNotUtf8() =>
        new(ErrorCode.InvalidArgument, "The object key is not valid UTF-8 once percent-decoded.");

    public static ContractException KeyNotAUrlPath(string key) =>
        new(ErrorCode.InvalidArgument, $"The key '{key}' cannot be written as a URL path: every client resolves it away.");

    public static ContractException KeyRewrittenByS3Sdk() =>
        new(ErrorCode.InvalidArgument, "With the S3 store a key may not start with '/' or contain '//': the S3 SDK would rewrite it into another key.");

    // Objects and preconditions

    public static ContractException NoSuchKey() => new(ErrorCode.NoSuchKey, "Object Not Found");

    public static ContractException NoSuchCopySource() => new(ErrorCode.NoSuchKey, "The copy source does not exist.");

    public static ContractException PreconditionFailed() =>
        new(ErrorCode.PreconditionFailed, "Precondition failed: the object's current state does not satisfy the condition sent.");

    public static ContractException ObjectExists() =>
        new(ErrorCode.PreconditionFailed, "Precondition failed: If-None-Match: * was sent and the object exists.");

    public static ContractException ETagMismatch() =>
        new(ErrorCode.PreconditionFailed, "Precondition failed: If-Match does not match the object's current etag.");

    public static ContractException OnlyIfNoneMatchAny() =>
        new(ErrorCode.InvalidArgument, "put supports If-None-Match only as '*' (write only if the key does not exist).");

    public static ContractException MetadataNotAscii(string name) =>
        new(ErrorCode.InvalidArgument, $"{name} may hold only visible ASCII characters, spaces and tabs (no control bytes, no raw UTF-8); "
            + "for a non-ASCII file name send filename*=UTF-8''<percent-encoded name> (RFC 8187).");

    public static ContractException MetadataTooLarge(int size, int maxBytes) =>
        new(ErrorCode.MetadataTooLarge, $"The object's metadata is {size} bytes; all metadata together (HTTP metadata values, custom names and values) may be at most {maxBytes} bytes.");

    public static ContractException RecordTooLarge() =>
        new(ErrorCode.MetadataTooLarge, "The object's key and metadata are too large to store.");

    public static ContractException BadCursor() => new(ErrorCode.InvalidArgument, "The cursor is not one this gateway returned.");

    // Bodies, digests and checksums

    public static ContractException BodyTooLarge(string what, long maxBytes, long? length) =>
        new(ErrorCode.EntityTooLarge, $"{what} may be at most {maxBytes} bytes; this one is {length}.");

    public static ContractException BodyOverLimit(long maxBytes) =>
        new(ErrorCode.EntityTooLarge, $"The body is larger than the {maxBytes} bytes allowed here.");

    /// <summary>Kestrel's own limit (in its words), or the bucket's, where the gateway does not know the number.</summary>
    public static ContractException BodyOverLimit(string? detail = null) =>
        new(ErrorCode.EntityTooLarge, detail ?? "The body is larger than the gateway or the bucket allows.");

    public static ContractException TokenObjectSizeLimit(string token, long maxBytes, long? size) =>
        new(ErrorCode.EntityTooLarge, $"Token '{token}' may store objects of at most {maxBytes} bytes; this one is {size}.");

    public static ContractException MissingBody() => new(ErrorCode.InvalidArgument, "Missing request body");

    public static ContractException BadContentMd5() =>
        new(ErrorCode.InvalidArgument, "Content-MD5 must be the base64 of the body's 16-byte MD5.");

    public static ContractException Md5Mismatch() =>
        new(ErrorCode.BadDigest, "The Content-MD5 you sent does not match the MD5 of the body received.");

    public static ContractException ChecksumMismatch(string header, string algorithm) =>
        new(ErrorCode.BadDigest, $"The {header} you sent does not match the {algorithm} of the body received.");

    public static ContractException OneChecksumHeader() => new(ErrorCode.InvalidArgument, "Send at most one x-amz-checksum-* header.");

    public static ContractException BadChecksumValue(string header, int bytes, string algorithm) =>
        new(ErrorCode.InvalidArgument, $"{header} must be the base64 of the body's {bytes}-byte {algorithm}.");

    public static ContractException UnknownChecksumAlgorithm(string header, IEnumerable<string> names) =>
        new(ErrorCode.InvalidArgument, $"{header} must be one of {string.Join(", ", names)}.");

    // Multipart uploads

    public static ContractException NoSuchUpload() =>
        new(ErrorCode.NoSuchUpload, "The specified multipart upload does not exist for this key: it was completed, aborted or expired, or the uploadId is wrong.");

    public static ContractException MissingUploadId() => new(ErrorCode.InvalidArgument, "Missing uploadId");

    public static ContractException MissingPartNumberOrUploadId() => new(ErrorCode.InvalidArgument, "Missing partNumber or uploadId");

    public static ContractException InvalidPartNumber(int maxParts, string? got = null) =>
        new(ErrorCode.InvalidArgument, $"partNumber must be an integer from 1 to {maxParts}" + (got is null ? "." : $"; got '{got}'."));

    public static ContractException EmptyPartList() => new(ErrorCode.InvalidArgument, "The parts list is empty.");

    public static ContractException DuplicatePart(int partNumber) => new(ErrorCode.InvalidArgument, $"Part {partNumber} is listed more than once.");

    public static ContractException PartNotUploaded(int partNumber, string etag) =>
        new(ErrorCode.InvalidPart, $"Part {partNumber} with etag {etag} was not uploaded to this upload.");

    /// <summary>The bucket's own wording of an invalid part, when it gave one.</summary>
    public static ContractException InvalidPart(string? detail) =>
        new(ErrorCode.InvalidPart, detail ?? "One or more of the listed parts was not found, or its etag does not match.");

    public static ContractException InvalidPartOrder(string? detail = null) =>
        new(ErrorCode.InvalidPartOrder, detail ?? "The list of parts was not in ascending order. Parts must be ordered by part number.");

    public static ContractException PartTooSmall(int partNumber, long size, long minBytes) =>
        new(ErrorCode.EntityTooSmall, $"Part {partNumber} is {size} bytes; every part but the last must be at least {minBytes} bytes (5 MiB).");

    public static ContractException EntityTooSmall(string? detail) =>
        new(ErrorCode.EntityTooSmall, detail ?? "Every part but the last must be at least 5 MiB.");

    public static ContractException PartSizesDiffer(int partNumber, long size, int firstNumber, long firstSize) =>
        new(ErrorCode.InvalidPart, $"Part {partNumber} is {size} bytes but part {firstNumber} is {firstSize}; all parts but the last must be the same size.");

    public static ContractException LastPartLarger(int partNumber, long size, long othersSize) =>
        new(ErrorCode.InvalidPart, $"The last part, {partNumber}, is {size} bytes, larger than the others ({othersSize}); the last part may not be larger than the others.");

    public static ContractException PartsTooLarge(long size, long maxObjectSize) =>
        new(ErrorCode.EntityTooLarge, $"The parts add up to {size} bytes; objects may be at most {maxObjectSize} bytes here (Storage:MaxObjectSize).");

    public static ContractException PartTooLarge(long maxBytes) => new(ErrorCode.EntityTooLarge, $"A part may be at most {maxBytes} bytes.");

    public static ContractException WrongPartChecksum(string algorithm, string sentHeader) =>
        new(ErrorCode.InvalidArgument, $"This upload was created with x-amz-checksum-algorithm {algorithm}; a part may not send {sentHeader}.");

    public static ContractException PartWithoutChecksum(int partNumber, string algorithm) =>
        new(ErrorCode.InvalidPart, $"Part {partNumber} has no {algorithm} checksum, which this upload was created with.");

    public static ContractException UploadBeingCompleted() => new(ErrorCode.Conflict, "This upload is being completed by another request.");

    /// <summary>A lock held by another request on the same upload, in the words of the operation that found it.</summary>
    public static ContractException UploadBusy(string detail) => new(ErrorCode.Conflict, detail);

    public static ContractException BadCompleteBody() =>
        new(ErrorCode.InvalidArgument, "Missing or incomplete body: send {\"parts\": [{\"partNumber\": 1, \"etag\": \"...\"}, ...]}.");

    // Buckets

    public static ContractException NoSuchBucket(string bucket) => new(ErrorCode.NoSuchBucket, $"The specified bucket '{bucket}' does not exist.");

    public static ContractException BucketAlreadyOwnedByYou(string bucket) =>
        new(ErrorCode.BucketAlreadyOwnedByYou, $"The bucket '{bucket}' exists already, and you own it.");

    public static ContractException InvalidBucketName() =>
        new(ErrorCode.InvalidBucketName, "Bucket names are 3 to 63 characters: lowercase letters, digits and hyphens, starting and ending with a letter or digit.");

    public static ContractException BucketNotEmpty(string bucket) =>
        new(ErrorCode.BucketNotEmpty, $"The bucket '{bucket}' holds objects or multipart uploads; delete and abort them first.");

    public static ContractException DefaultBucketKept(string bucket) =>
        new(ErrorCode.InvalidBucketState, $"'{bucket}' is the gateway's default bucket, which the Worker API serves; it cannot be deleted.");

    public static ContractException InvalidLocationConstraint(string location) =>
        new(ErrorCode.InvalidLocationConstraint, $"The location constraint '{location}' is not valid; use 'auto'.");

    // Access

    /// <summary>A refusal whose reason is particular to one check (token, presign, hook).</summary>
    public static ContractException AccessDenied(string detail) => new(ErrorCode.AccessDenied, detail);

    /// <summary>A 401 with the WWW-Authenticate challenge that says what to send.</summary>
    public static ContractException Unauthorized(string detail, string challenge) =>
        new(ErrorCode.Unauthorized, detail) { Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = challenge } };

    public static ContractException SlowDown(int retryAfterSeconds) =>
        new(ErrorCode.SlowDown, $"Too many requests from this client; retry after {retryAfterSeconds} s.")
        {
            Headers = new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };

    // The gateway and its backend

    public static ContractException StorageFault() =>
        new(ErrorCode.ServiceUnavailable, "The storage backend failed to complete the operation; try again. The cause is in the gateway's log.");

    /// <summary>A passing state of the store (a lock, a replacement, a backend's answer) that a retry gets past.</summary>
    public static ContractException Unavailable(string detail, Exception? inner = null) => new(ErrorCode.ServiceUnavailable, detail, inner);

    public static ContractException BadGateway(string detail, Exception? inner = null) => new(ErrorCode.BadGateway, detail, inner);

    public static ContractException GatewayTimeout(string detail, Exception? inner = null) => new(ErrorCode.GatewayTimeout, detail, inner);

    public static ContractException Internal() =>
        new(ErrorCode.InternalError, "The gateway failed to handle this request; the error is in its log.");

    public static ContractException NotImplemented(string detail) => new(ErrorCode.NotImplemented, detail);

    public static ContractException MethodNotAllowed(string method, IReadOnlyList<string> allowed) =>
        new(ErrorCode.MethodNotAllowed, $"Method {method} is not allowed; use one of {string.Join(", ", allowed)}.")
        {
            Headers = new Dictionary<string, string> { ["Allow"] = string.Join(", ", allowed) },
        };

    /// <summary>S3's wording, for a method no S3 operation on an object takes.</summary>
    public static ContractException S3MethodNotAllowed() =>
        new(ErrorCode.MethodNotAllowed, "The specified method is not allowed against this resource.");

    public static ContractException S3EndpointOff() =>
        new(ErrorCode.S3EndpointOff, "The gateway's S3 endpoint is off (S3Api:Urls is empty), and the filesystem store has no other S3 URL to sign for.");

    // Requests

    /// <summary>A parameter or header out of its range, checked in one place only.</summary>
    public static ContractException InvalidArgument(string detail, Exception? inner = null) => new(ErrorCode.InvalidArgument, detail, inner);

    public static ContractException InvalidRequest(string detail) => new(ErrorCode.InvalidRequest, detail);

    public static ContractException BadPresignExpiry() =>
        new(ErrorCode.InvalidArgument, "expiresIn must be a whole number of seconds from 1 to 604800 (7 days).");

    public static ContractException BadS3SignExpiry() =>
        new(ErrorCode.InvalidArgument, "expiresIn must be a whole number of seconds from 1 to 3600: each URL is for one request, signed just before it.");

    // The S3 API: signatures, bodies and documents

    public static ContractException SignatureDoesNotMatch(string detail =
        "The request signature we calculated does not match the signature you provided. Check your secret access key and signing method.") =>
        new(ErrorCode.SignatureDoesNotMatch, detail);

    public static ContractException InvalidAccessKeyId() =>
        new(ErrorCode.InvalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.");

    public static ContractException AuthorizationHeaderMalformed(string detail) => new(ErrorCode.AuthorizationHeaderMalformed, detail);

    public static ContractException AuthorizationQueryParametersError(string detail) => new(ErrorCode.AuthorizationQueryParametersError, detail);

    public static ContractException RequestTimeTooSkewed() =>
        new(ErrorCode.RequestTimeTooSkewed, "The difference between the request time and the server's time is too large.");

    public static ContractException MalformedXml() =>
        new(ErrorCode.MalformedXML, "The XML you provided was not well-formed or did not validate against our published schema.");

    public static ContractException MissingContentLength(string detail = "You must provide the Content-Length HTTP header.") =>
        new(ErrorCode.MissingContentLength, detail);

    public static ContractException InvalidDigest() => new(ErrorCode.InvalidDigest, "The Content-MD5 you specified was invalid.");

    public static ContractException IncompleteBody(string detail) => new(ErrorCode.IncompleteBody, detail);

    public static ContractException MaxMessageLengthExceeded(long maxBytes) =>
        new(ErrorCode.MaxMessageLengthExceeded, $"The request body may be at most {maxBytes} bytes.");

    public static ContractException ContentSha256Mismatch() =>
        new(ErrorCode.XAmzContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");
}
