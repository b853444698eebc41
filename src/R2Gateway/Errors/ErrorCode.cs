namespace R2Gateway.Errors;

/// <summary>Every error code either API answers with, spelled as it goes on the wire (problem+json's
/// <c>code</c>, S3 XML's <c>Code</c>); <see cref="ErrorCodes"/> gives each its statuses.</summary>
public enum ErrorCode
{
    // The contract's codes, shared by the Worker API and the S3 API.
    InvalidArgument,
    InvalidRequest,
    NoSuchUpload,
    NoSuchKey,
    InvalidPart,
    InvalidPartOrder,
    EntityTooSmall,
    EntityTooLarge,
    BadDigest,
    MetadataTooLarge,
    PreconditionFailed,
    KeyTooLongError,
    AccessDenied,
    Conflict,
    ServiceUnavailable,
    BadGateway,
    GatewayTimeout,
    NoSuchBucket,
    BucketNotEmpty,
    BucketAlreadyOwnedByYou,
    InvalidBucketName,
    InvalidBucketState,
    NotImplemented,
    MethodNotAllowed,
    SlowDown,
    InternalError,

    // The Worker API's own.
    Unauthorized,
    S3EndpointOff,

    // The S3 API's own: signatures, bodies and XML as S3 clients expect them.
    SignatureDoesNotMatch,
    InvalidAccessKeyId,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    RequestTimeTooSkewed,
    MalformedXML,
    MissingContentLength,
    InvalidDigest,
    IncompleteBody,
    MaxMessageLengthExceeded,
    XAmzContentSHA256Mismatch,
    InvalidLocationConstraint,
}

/// <summary>The one table of what each code answers: its status on the Worker API (problem+json), and
/// the code and status the S3 API answers with, as R2 does (which differ for a few: R2 says 400 for a
/// body too large, and the backend's own failures are all 503 ServiceUnavailable to an S3 client).</summary>
public static class ErrorCodes
{
    public readonly record struct Wire(int Status, string S3Code, int S3Status);

    public static Wire Of(ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => Same(code, 400),
        ErrorCode.InvalidRequest => Same(code, 400),
        ErrorCode.NoSuchUpload => Same(code, 404),
        ErrorCode.NoSuchKey => Same(code, 404),
        ErrorCode.InvalidPart => Same(code, 400),
        ErrorCode.InvalidPartOrder => Same(code, 400),
        ErrorCode.EntityTooSmall => Same(code, 400),
        ErrorCode.EntityTooLarge => new(413, "EntityTooLarge", 400),
        ErrorCode.BadDigest => Same(code, 400),
        ErrorCode.MetadataTooLarge => Same(code, 400),
        ErrorCode.PreconditionFailed => Same(code, 412),
        ErrorCode.KeyTooLongError => Same(code, 400),
        ErrorCode.AccessDenied => Same(code, 403),
        ErrorCode.Conflict => new(409, "OperationAborted", 409),
        ErrorCode.ServiceUnavailable => Same(code, 503),
        ErrorCode.BadGateway => new(502, "ServiceUnavailable", 503),
        ErrorCode.GatewayTimeout => new(504, "ServiceUnavailable", 503),
        ErrorCode.NoSuchBucket => Same(code, 404),
        ErrorCode.BucketNotEmpty => Same(code, 409),
        ErrorCode.BucketAlreadyOwnedByYou => Same(code, 409),
        ErrorCode.InvalidBucketName => Same(code, 400),
        ErrorCode.InvalidBucketState => Same(code, 409),
        ErrorCode.NotImplemented => Same(code, 501),
        ErrorCode.MethodNotAllowed => Same(code, 405),
        ErrorCode.SlowDown => new(429, "SlowDown", 503),
        ErrorCode.InternalError => Same(code, 500),
        ErrorCode.Unauthorized => new(401, "AccessDenied", 403),
        ErrorCode.S3EndpointOff => new(409, "InvalidRequest", 400),
        ErrorCode.SignatureDoesNotMatch => Same(code, 403),
        ErrorCode.InvalidAccessKeyId => Same(code, 403),
        ErrorCode.AuthorizationHeaderMalformed => Same(code, 400),
        ErrorCode.AuthorizationQueryParametersError => Same(code, 400),
        ErrorCode.RequestTimeTooSkewed => Same(code, 403),
        ErrorCode.MalformedXML => Same(code, 400),
        ErrorCode.MissingContentLength => Same(code, 411),
        ErrorCode.InvalidDigest => Same(code, 400),
        ErrorCode.IncompleteBody => Same(code, 400),
        ErrorCode.MaxMessageLengthExceeded => Same(code, 400),
        ErrorCode.XAmzContentSHA256Mismatch => Same(code, 400),
        ErrorCode.InvalidLocationConstraint => Same(code, 400),
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Every code needs a row here."),
    };

    /// <summary>The status the Worker API answers <paramref name="code"/> with.</summary>
    public static int Status(ErrorCode code) => Of(code).Status;

    private static Wire Same(ErrorCode code, int status) => new(status, code.ToString(), status);
}
