using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace R2Gateway.Storage.S3;

/// <summary>Turns what the SDK throws into the contract's <see cref="StoreException"/>s, so the gateway's
/// answers stay the contract's whatever the backend says. Secrets never appear in a detail.</summary>
internal static class S3Errors
{
    public static async Task<T> Call<T>(Func<Task<T>> operation, S3StoreOptions options, CancellationToken cancellationToken, bool noSuchKeyIsNoSuchUpload = false)
    {
        try
        {
            return await operation();
        }
        catch (AmazonS3Exception e)
        {
            throw Translate(e, options, noSuchKeyIsNoSuchUpload);
        }
        catch (AmazonServiceException e) when (e.InnerException is HttpRequestException or IOException)
        {
            throw Unreachable(options, e.InnerException);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(options, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StoreException(StoreErrorCode.GatewayTimeout,
                $"The S3 endpoint {options.Endpoint.Host} did not answer in time; try again.", e);
        }
    }

    public static StoreException Translate(AmazonS3Exception e, S3StoreOptions options, bool noSuchKeyIsNoSuchUpload)
    {
        var code = e.ErrorCode;
        var detail = string.IsNullOrWhiteSpace(e.Message) ? null : e.Message;
        return code switch
        {
            "NoSuchUpload" => new(StoreErrorCode.NoSuchUpload, NoSuchUploadDetail, e),
            // Some servers (radosgw) answer NoSuchKey for an unknown uploadId.
            "NoSuchKey" when noSuchKeyIsNoSuchUpload => new(StoreErrorCode.NoSuchUpload, NoSuchUploadDetail, e),
            "NoSuchKey" => new(StoreErrorCode.NoSuchKey, "Object Not Found", e),
            "InvalidPart" => new(StoreErrorCode.InvalidPart, detail ?? "One or more of the listed parts was not found, or its etag does not match.", e),
            "InvalidPartOrder" => new(StoreErrorCode.InvalidPartOrder, detail ?? "The parts must be listed in ascending part-number order.", e),
            "EntityTooSmall" => new(StoreErrorCode.EntityTooSmall, detail ?? "Every part but the last must be at least 5 MiB.", e),
            "EntityTooLarge" => new(StoreErrorCode.EntityTooLarge, detail ?? "The body is larger than the bucket allows.", e),
            "BadDigest" or "InvalidDigest" => new(StoreErrorCode.BadDigest, "The Content-MD5 you sent does not match the MD5 of the body received.", e),
            "PreconditionFailed" => new(StoreErrorCode.PreconditionFailed, "Precondition failed: the object's current state does not satisfy the condition sent.", e),
            "InvalidArgument" or "InvalidRequest" => new(StoreErrorCode.InvalidArgument, detail ?? "The bucket refused the request as invalid.", e),
            "AccessDenied" or "SignatureDoesNotMatch" or "InvalidAccessKeyId" or "InvalidToken" or "ExpiredToken" => new(StoreErrorCode.BadGateway,
                $"The bucket refused the gateway's credentials ({code}): check Storage:S3:AccessKeyId and Storage:S3:SecretAccessKey, and that the token may use bucket '{options.Bucket}'.", e),
            "NoSuchBucket" => new(StoreErrorCode.BadGateway,
                $"The bucket '{options.Bucket}' does not exist at {options.Endpoint.Host}: check Storage:S3:Bucket.", e),
            _ when (int)e.StatusCode >= 500 => new(StoreErrorCode.ServiceUnavailable,
                $"The S3 endpoint {options.Endpoint.Host} failed ({(int)e.StatusCode} {code}); try again.", e),
            _ => new(StoreErrorCode.BadGateway, $"The S3 endpoint {options.Endpoint.Host} answered {(int)e.StatusCode} {code}.", e),
        };
    }

    public const string NoSuchUploadDetail =
        "The specified multipart upload does not exist for this key: it was completed, aborted or expired, or the uploadId is wrong.";

    public static bool IsNotFound(AmazonS3Exception e) => e.StatusCode == HttpStatusCode.NotFound;

    private static StoreException Unreachable(S3StoreOptions options, Exception e) =>
        new(StoreErrorCode.ServiceUnavailable, $"The S3 endpoint {options.Endpoint.Host} cannot be reached ({e.Message}); try again.", e);
}
