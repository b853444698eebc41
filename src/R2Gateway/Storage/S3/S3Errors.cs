using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.AspNetCore.Connections;

namespace R2Gateway.Storage.S3;

/// <summary>Turns what the SDK throws into the contract's <see cref="ContractException"/>s, so the gateway's
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
        // A connection to the endpoint that breaks while the request is sent can surface as the socket's
        // own IOException. Not the client's body failing (those two are Kestrel's), which is no outage.
        catch (IOException e) when (e is not BadHttpRequestException and not ConnectionResetException && !cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(options, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Error.GatewayTimeout($"The S3 endpoint {options.Endpoint.Host} did not answer in time; try again.", e);
        }
    }

    public static ContractException Translate(AmazonS3Exception e, S3StoreOptions options, bool noSuchKeyIsNoSuchUpload)
    {
        var code = e.ErrorCode;
        var detail = string.IsNullOrWhiteSpace(e.Message) ? null : e.Message;
        var error = code switch
        {
            "NoSuchUpload" => Error.NoSuchUpload(),
            // Some servers (radosgw) answer NoSuchKey for an unknown uploadId.
            "NoSuchKey" when noSuchKeyIsNoSuchUpload => Error.NoSuchUpload(),
            "NoSuchKey" => Error.NoSuchKey(),
            "InvalidPart" => Error.InvalidPart(detail),
            "InvalidPartOrder" => Error.InvalidPartOrder(detail),
            "EntityTooSmall" => Error.EntityTooSmall(detail),
            "EntityTooLarge" => Error.BodyOverLimit(),
            "BadDigest" or "InvalidDigest" => Error.Md5Mismatch(),
            "PreconditionFailed" => Error.PreconditionFailed(),
            "InvalidArgument" or "InvalidRequest" => Error.InvalidArgument(detail ?? "The bucket refused the request as invalid."),
            "AccessDenied" or "SignatureDoesNotMatch" or "InvalidAccessKeyId" or "InvalidToken" or "ExpiredToken" => Error.BadGateway(
                $"The bucket refused the gateway's credentials ({code}): check Storage:S3:AccessKeyId and Storage:S3:SecretAccessKey, and that the token may use bucket '{options.Bucket}'."),
            "NoSuchBucket" => Error.BadGateway(
                $"The bucket '{options.Bucket}' does not exist at {options.Endpoint.Host}: check Storage:S3:Bucket."),
            _ when (int)e.StatusCode >= 500 => Error.Unavailable(
                $"The S3 endpoint {options.Endpoint.Host} failed ({(int)e.StatusCode} {code}); try again."),
            _ => Error.BadGateway($"The S3 endpoint {options.Endpoint.Host} answered {(int)e.StatusCode} {code}."),
        };
        return error.CausedBy(e);
    }

    public static bool IsNotFound(AmazonS3Exception e) => e.StatusCode == HttpStatusCode.NotFound;

    private static ContractException Unreachable(S3StoreOptions options, Exception e) =>
        Error.Unavailable($"The S3 endpoint {options.Endpoint.Host} cannot be reached ({e.Message}); try again.", e);
}
