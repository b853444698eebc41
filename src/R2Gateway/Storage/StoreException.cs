namespace R2Gateway.Storage;

/// <summary>S3-style error codes the contract names; the HTTP layer maps each to a status.</summary>
public enum StoreErrorCode
{
    InvalidArgument,
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
}

/// <summary>A failure with a contract code and a detail a person can act on.</summary>
public sealed class StoreException(StoreErrorCode code, string detail, Exception? inner = null)
    : Exception(detail, inner)
{
    public StoreErrorCode Code { get; } = code;
}
