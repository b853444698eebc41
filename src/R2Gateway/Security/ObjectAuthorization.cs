using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;

namespace R2Gateway.Security;

/// <summary>What a request touches: a key (or the prefix a listing covers) in a bucket.</summary>
public sealed record ObjectResource(string Bucket, string Key);

/// <summary>A bucket as a whole: HeadBucket, and whether ListBuckets shows it.</summary>
public sealed record BucketResource(string Bucket);

/// <summary>The right a request needs on its <see cref="ObjectResource"/>; for a <see cref="BucketResource"/>,
/// <see cref="Right"/> null means "any right in the bucket".</summary>
public sealed class RightRequirement(Right? right) : IAuthorizationRequirement
{
    public Right? Right { get; } = right;
}

/// <summary>
/// The one access rule for both APIs, whichever scheme proved the caller (bearer token, the gateway's
/// presigned URL, SigV4): the token has the right, the bucket is one of its <c>Buckets</c> (none
/// configured: the default bucket only; <c>*</c>: every bucket), and the key starts with one of its prefixes.
/// Without tokens (loopback-only, or Auth:AllowAnonymous) everything is allowed.
/// </summary>
public sealed class ObjectAccessHandler(IOptions<AuthOptions> auth, IBucketStores buckets) : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        foreach (var requirement in context.PendingRequirements.OfType<RightRequirement>().ToList())
        {
            var allowed = !auth.Value.Enabled || context.Resource switch
            {
                ObjectResource o => requirement.Right is { } right && Allows(context.User, right, o.Bucket, o.Key),
                BucketResource b => MayUseBucket(context.User, b.Bucket)
                    && (requirement.Right is not { } r ? context.User.HasClaim(c => c.Type == TokenAuthenticationHandler.RightClaim) : HasRight(context.User, r)),
                _ => false,
            };
            if (allowed)
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }

    private bool Allows(ClaimsPrincipal user, Right right, string bucket, string key) =>
        HasRight(user, right) && MayUseBucket(user, bucket)
        && user.FindAll(TokenAuthenticationHandler.PrefixClaim).Any(p => key.StartsWith(p.Value, StringComparison.Ordinal));

    private static bool HasRight(ClaimsPrincipal user, Right right) => user.HasClaim(TokenAuthenticationHandler.RightClaim, right.ToString());

    private bool MayUseBucket(ClaimsPrincipal user, string bucket)
    {
        var named = user.FindAll(TokenAuthenticationHandler.BucketClaim).Select(c => c.Value).ToList();
        return named.Count == 0 ? bucket == buckets.DefaultBucket : named.Any(b => b == "*" || b == bucket);
    }
}

/// <summary>One policy per right, each the <see cref="RightRequirement"/> over a resource.</summary>
public static class GatewayPolicies
{
    public static string For(Right right) => "r2gw:" + right.ToString().ToLowerInvariant();

    /// <summary>Any right in a bucket (HeadBucket, ListBuckets).</summary>
    public const string AnyRight = "r2gw:any";

    public static AuthorizationBuilder AddGatewayPolicies(this AuthorizationBuilder builder)
    {
        foreach (var right in Enum.GetValues<Right>())
        {
            builder.AddPolicy(For(right), p => p.AddRequirements(new RightRequirement(right)));
        }

        return builder.AddPolicy(AnyRight, p => p.AddRequirements(new RightRequirement(null)));
    }

    /// <summary>Whether <paramref name="user"/> may use <paramref name="right"/> on the resource.</summary>
    public static async Task<bool> MayAsync(this IAuthorizationService authorization, ClaimsPrincipal user, Right right, ObjectResource resource) =>
        (await authorization.AuthorizeAsync(user, resource, For(right))).Succeeded;
}
