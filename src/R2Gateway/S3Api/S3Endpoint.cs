using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>
/// The S3 listener's one request handler: path-style <c>/&lt;bucket&gt;/&lt;key&gt;</c>, then SigV4
/// authentication, the operation from <see cref="S3OperationTable"/>, the token's right on the key,
/// the handler; every failure an S3 XML error with R2's status.
/// </summary>
public sealed partial class S3Endpoint(
    IOptions<S3ApiOptions> options, IOptions<AuthOptions> auth, IBucketStores buckets, IAuthorizationService authorization,
    GatewayRateLimiters limiters, ILogger<S3Endpoint> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers["x-amz-request-id"] = S3Xml.RequestId(context);
        string? resource = null;
        S3Operation? operation = null;
        string who = "(anonymous)";
        try
        {
            // The bucket is the raw path's first segment, decoded on its own: an encoded '/' ('%2F') in it
            // stays in the name (and fails the name rules) rather than moving the key.
            var raw = ObjectKey.RawPath(context); // "/<bucket>/<key>", still encoded
            var slash = raw.IndexOf('/', 1);
            var bucket = ObjectKey.Decode(slash < 0 ? raw : raw[..slash]);
            var key = slash < 0 ? "" : ObjectKey.Decode(raw[slash..]);
            resource = key.Length == 0 ? "/" + bucket : $"/{bucket}/{key}";
            var target = bucket.Length == 0 ? S3Target.Service : key.Length == 0 ? S3Target.Bucket : S3Target.Key;

            (System.Security.Claims.ClaimsPrincipal? User, S3Signing? Signing) authenticated;
            try
            {
                authenticated = await AuthenticateAsync(context);
            }
            catch (ContractException)
            {
                Admit(limiters.Requests, context).Dispose(); // refused signatures count against the client's address
                throw;
            }

            var (user, signing) = authenticated;
            who = user?.Identity?.Name ?? who;
            using var admitted = Admit(limiters.Requests, context);
            operation = S3OperationTable.Find(context.Request, target)
                ?? throw (target == S3Target.Key && context.Request.Method is not ("GET" or "HEAD" or "PUT" or "POST" or "DELETE")
                    ? Error.S3MethodNotAllowed()
                    : Error.NotImplemented("A header or query you provided implies functionality that is not implemented."));
            IObjectStore? store = null;
            if (target != S3Target.Service)
            {
                BucketNames.Validate(bucket);
                store = buckets.Find(bucket);
                if (store is null && operation.Name != "CreateBucket")
                {
                    // As S3: 404 for a bucket that does not exist, 403 for one that exists but is not the caller's.
                    throw Error.NoSuchBucket(bucket);
                }
            }

            if (user?.FindFirst(GatewayS3Signer.OperationClaim)?.Value is { } signedFor && signedFor != operation.Name)
            {
                throw Error.AccessDenied($"This presigned URL was signed for {signedFor}, not {operation.Name}.");
            }

            var call = new S3Call(context, bucket, key, store!, buckets, user, signing, options.Value, authorization);
            if (target == S3Target.Key)
            {
                ObjectKeys.Validate(key);
                await call.AuthorizeAsync(operation.Right!.Value, key);
            }
            else if (target == S3Target.Bucket && operation.Right is null)
            {
                await AuthorizeBucketAsync(user, bucket, operation.Name is "CreateBucket" or "DeleteBucket" ? Right.Write : null);
            }

            using var upload = S3OperationTable.IsUpload(operation) ? Admit(limiters.Uploads, context) : null;
            await operation.Handler(call);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested || e is ConnectionResetException)
        {
            // the client went away; there is no one to answer
        }
        catch (Exception e)
        {
            await S3Xml.WriteErrorAsync(context, ToGatewayError(e, context.Request.Method, operation?.Name), resource);
        }
        finally
        {
            if (operation?.Right is Right.Write or Right.Delete && logger.IsEnabled(LogLevel.Information))
            {
                LogAudit(logger, who, operation.Name, resource, context.Response.StatusCode);
            }
        }
    }

    /// <summary>A bucket-level operation: any right in the bucket (HeadBucket, GetBucketLocation), or
    /// write for creating and deleting it, through the same policy as every object request.</summary>
    private async Task AuthorizeBucketAsync(System.Security.Claims.ClaimsPrincipal? user, string bucket, Right? right)
    {
        if (user is not null && !(await authorization.AuthorizeAsync(user, new BucketResource(bucket),
                right is { } r ? GatewayPolicies.For(r) : GatewayPolicies.AnyRight)).Succeeded)
        {
            throw Error.AccessDenied($"Token '{user.Identity?.Name}' may not use the bucket '{bucket}'.");
        }
    }

    /// <summary>The Worker API's per-token limits, from the same limiters, answered as S3 and R2 do:
    /// 503 SlowDown (with Retry-After), which every S3 client backs off and retries.</summary>
    private static System.Threading.RateLimiting.RateLimitLease Admit(System.Threading.RateLimiting.PartitionedRateLimiter<string> limiter, HttpContext context)
    {
        var lease = limiter.AttemptAcquire(GatewayRateLimiters.Caller(context));
        if (!lease.IsAcquired)
        {
            var retryAfter = GatewayRateLimiters.RetryAfterSeconds(lease);
            lease.Dispose();
            throw Error.SlowDown(retryAfter);
        }

        return lease;
    }

    /// <summary>With tokens configured every request must carry a valid SigV4 signature. Without
    /// (loopback-only development) signatures are not checked, as the Worker API then asks for no token.</summary>
    private async Task<(System.Security.Claims.ClaimsPrincipal? User, S3Signing? Signing)> AuthenticateAsync(HttpContext context)
    {
        if (!auth.Value.Enabled)
        {
            return (null, null);
        }

        var result = await context.AuthenticateAsync(SigV4AuthenticationHandler.SchemeName);
        if (result.Failure is ContractException failure)
        {
            throw failure;
        }

        if (!result.Succeeded)
        {
            throw Error.AccessDenied("Anonymous access is not allowed: sign requests with an access key from 'token create'.");
        }

        context.User = result.Principal;
        return (result.Principal, context.Features.Get<IS3SigningFeature>()?.Signing);
    }

    private ContractException ToGatewayError(Exception e, string method, string? operation)
    {
        switch (e)
        {
            case ContractException error:
                return error;
            case BadHttpRequestException bad:
                return bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? Error.BodyOverLimit(bad.Message) : Error.IncompleteBody(bad.Message);
            case IOException or InvalidDataException:
                LogStoreFault(logger, e);
                return Error.StorageFault();
            default:
                LogUnhandled(logger, e, method, operation);
                return Error.Internal();
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "audit token={Token} s3={Operation} key={Key} status={Status}")]
    private static partial void LogAudit(ILogger logger, string token, string operation, string? key, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in S3 {Method} {Operation}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string? operation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage I/O failed in an S3 request")]
    private static partial void LogStoreFault(ILogger logger, Exception exception);
}
