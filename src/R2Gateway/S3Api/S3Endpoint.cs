using Microsoft.AspNetCore.Authentication;
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
public sealed partial class S3Endpoint(IOptions<S3ApiOptions> options, IOptions<AuthOptions> auth, IObjectStore store, ILogger<S3Endpoint> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers["x-amz-request-id"] = S3Xml.RequestId(context);
        string? resource = null;
        S3Operation? operation = null;
        string who = "(anonymous)";
        try
        {
            var path = ObjectKey.Decode(ObjectKey.RawPath(context));
            resource = "/" + path;
            var slash = path.IndexOf('/');
            var bucket = slash < 0 ? path : path[..slash];
            var key = slash < 0 ? "" : path[(slash + 1)..];
            var target = bucket.Length == 0 ? S3Target.Service : key.Length == 0 ? S3Target.Bucket : S3Target.Key;

            var (user, signing) = await AuthenticateAsync(context);
            who = user?.Identity?.Name ?? who;
            operation = S3OperationTable.Find(context.Request, target)
                ?? throw (target == S3Target.Key && context.Request.Method is not ("GET" or "HEAD" or "PUT" or "POST" or "DELETE")
                    ? new S3Exception("MethodNotAllowed", 405, "The specified method is not allowed against this resource.")
                    : new S3Exception("NotImplemented", 501, "A header or query you provided implies functionality that is not implemented."));
            if (target != S3Target.Service && operation.Name != "CreateBucket" && bucket != options.Value.Bucket)
            {
                throw new S3Exception("NoSuchBucket", 404, $"The specified bucket does not exist; this gateway serves '{options.Value.Bucket}'.");
            }

            var call = new S3Call(context, bucket, key, store, user, signing, options.Value);
            if (target == S3Target.Key)
            {
                ObjectKeys.Validate(key);
                call.Authorize(operation.Right!.Value, key);
            }
            else if (user is not null && operation.Right is null && !user.HasClaim(c => c.Type == TokenAuthenticationHandler.RightClaim))
            {
                throw S3Exception.AccessDenied("Access Denied");
            }

            await operation.Handler(call);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested || e is ConnectionResetException)
        {
            // the client went away; there is no one to answer
        }
        catch (Exception e) when (ToS3(e) is { } error)
        {
            await S3Xml.WriteErrorAsync(context, error, resource);
        }
        catch (Exception e)
        {
            LogUnhandled(logger, e, context.Request.Method, operation?.Name);
            await S3Xml.WriteErrorAsync(context, new S3Exception("InternalError", 500, "We encountered an internal error. Please try again."), resource);
        }
        finally
        {
            if (operation?.Right is Right.Write or Right.Delete && logger.IsEnabled(LogLevel.Information))
            {
                LogAudit(logger, who, operation.Name, resource, context.Response.StatusCode);
            }
        }
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
        if (result.Failure is S3Exception failure)
        {
            throw failure;
        }

        if (!result.Succeeded)
        {
            throw S3Exception.AccessDenied("Anonymous access is not allowed: sign requests with an access key from 'token create'.");
        }

        context.User = result.Principal;
        return (result.Principal, context.Features.Get<IS3SigningFeature>()?.Signing);
    }

    private S3Exception? ToS3(Exception e)
    {
        switch (e)
        {
            case S3Exception s3:
                return s3;
            case StoreException store:
                return S3Exception.From(store);
            case BadHttpRequestException bad:
                return bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? new S3Exception("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size.")
                    : new S3Exception("IncompleteBody", 400, bad.Message);
            case IOException or InvalidDataException:
                LogStoreFault(logger, e);
                return new S3Exception("ServiceUnavailable", 503, "The storage backend failed to complete the operation; try again.");
            default:
                return null;
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "audit token={Token} s3={Operation} key={Key} status={Status}")]
    private static partial void LogAudit(ILogger logger, string token, string operation, string? key, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in S3 {Method} {Operation}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string? operation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage I/O failed in an S3 request")]
    private static partial void LogStoreFault(ILogger logger, Exception exception);
}
