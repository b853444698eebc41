using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.Storage;

namespace R2Gateway.Security;

/// <summary>
/// Who may do this action on this key. A request with a verified presigned URL carries its own
/// authority; otherwise the bearer token must grant the action's permission on a prefix of the
/// key, matched against the exact key string the store will use, so no spelling of a key
/// (<c>..</c>, <c>%2F</c>, unicode forms) reaches outside a token's prefixes.
/// </summary>
public sealed class ObjectAccessFilter(IOptions<AuthOptions> auth) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!auth.Value.Enabled || http.Items.ContainsKey(PresignedUrlFilter.VerifiedItem)
            || http.GetEndpoint()?.Metadata.GetMetadata<ObjectActionMetadata>() is not { IsUnmatched: false } action)
        {
            return await next(context);
        }

        var user = http.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            var wrong = http.Request.Headers.Authorization.Count > 0;
            http.Response.Headers.WWWAuthenticate = wrong ? "Bearer error=\"invalid_token\"" : "Bearer";
            return ContractErrors.Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
                wrong ? "The bearer token is not one this gateway knows." : "Send 'Authorization: Bearer <token>'.");
        }

        var key = action.Right == Right.Read && action.Action == "list"
            ? http.Request.Query["prefix"].FirstOrDefault() ?? ObjectKey.FromRequest(http).Value
            : ObjectKey.FromRequest(http).Value;
        return Allows(user, action.Right, key)
            ? await next(context)
            : Refuse(user, action, key);
    }

    /// <summary>A presigned URL carries no more than its signer may do: a token needs the right the
    /// signed request uses (write for a PUT or part, read for a GET) as well as presign.</summary>
    public static ProblemHttpResult? RefusePresign(HttpContext http, Right needed, string key) =>
        !http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled || Allows(http.User, needed, key)
            ? null
            : ContractErrors.Problem(StoreErrorCode.AccessDenied,
                $"Token '{http.User.Identity?.Name}' may not presign this: a presigned URL needs '{needed.ToString().ToLowerInvariant()}' on a prefix of '{key}' as well as 'presign'.");

    public static bool Allows(ClaimsPrincipal user, Right permission, string key) =>
        user.HasClaim(TokenAuthenticationHandler.RightClaim, permission.ToString())
        && user.FindAll(TokenAuthenticationHandler.PrefixClaim).Any(p => key.StartsWith(p.Value, StringComparison.Ordinal));

    private static ProblemHttpResult Refuse(ClaimsPrincipal user, ObjectActionMetadata action, string key) =>
        ContractErrors.Problem(StoreErrorCode.AccessDenied,
            $"Token '{user.Identity!.Name}' may not {action.Action} '{key}': it needs '{action.Right.ToString().ToLowerInvariant()}' on a prefix of the key.");
}
