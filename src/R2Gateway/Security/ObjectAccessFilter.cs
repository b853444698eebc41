using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.Storage;

namespace R2Gateway.Security;

/// <summary>
/// The Worker API's door: the caller's principal (bearer token or presigned URL, from the
/// authentication schemes) and the action's right are put to the one authorization policy per right
/// (<see cref="ObjectAccessHandler"/>) over the key in the default bucket, matched against the exact
/// key string the store will use, so no spelling of a key (<c>..</c>, <c>%2F</c>, unicode forms)
/// reaches outside a token's prefixes. Refusals are thrown (401, 403), answered by the exception handler.
/// </summary>
public sealed class ObjectAccessFilter(IOptions<AuthOptions> auth) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var presigned = GatewayUrlSigner.IsPresigned(http.Request);
        if (presigned)
        {
            // A request that carries a signature is served only if it holds, token or not.
            var result = await http.AuthenticateAsync(PresignedUrlAuthenticationHandler.SchemeName);
            if (!result.Succeeded)
            {
                throw Error.AccessDenied(result.Failure?.Message ?? "The presigned URL is not valid.");
            }

            http.User = result.Principal;
        }

        if (http.GetEndpoint()?.Metadata.GetMetadata<ObjectActionMetadata>() is not { IsUnmatched: false } action || (!auth.Value.Enabled && !presigned))
        {
            return await next(context);
        }

        var user = http.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            throw http.Request.Headers.Authorization.Count > 0
                ? Error.Unauthorized("The bearer token is not one this gateway knows.", "Bearer error=\"invalid_token\"")
                : Error.Unauthorized("Send 'Authorization: Bearer <token>'.", "Bearer");
        }

        var key = action.Right == Right.Read && action.Action == "list"
            ? http.Request.Query["prefix"].FirstOrDefault() ?? ObjectKey.FromRequest(http).Value
            : ObjectKey.FromRequest(http).Value;
        return await MayAsync(http, user, action.Right, key)
            ? await next(context)
            : throw Error.AccessDenied(
                $"Token '{user.Identity!.Name}' may not {action.Action} '{key}': it needs '{action.Right.ToString().ToLowerInvariant()}' on a prefix of the key.");
    }

    /// <summary>A presigned URL carries no more than its signer may do: a token needs the right the
    /// signed request uses (write for a PUT or part, read for a GET) as well as presign.</summary>
    public static async Task EnsureMayPresignAsync(HttpContext http, Right needed, string key)
    {
        if (!await MayAsync(http, http.User, needed, key))
        {
            throw Error.AccessDenied($"Token '{http.User.Identity?.Name}' may not presign this: a presigned URL needs '{needed.ToString().ToLowerInvariant()}' on a prefix of '{key}' as well as 'presign'.");
        }
    }

    /// <summary>The policy for <paramref name="right"/> on <paramref name="key"/> in the Worker API's (default) bucket.</summary>
    public static Task<bool> MayAsync(HttpContext http, ClaimsPrincipal user, Right right, string key) =>
        http.RequestServices.GetRequiredService<IAuthorizationService>()
            .MayAsync(user, right, new ObjectResource(http.RequestServices.GetRequiredService<IBucketStores>().DefaultBucket, key));
}
