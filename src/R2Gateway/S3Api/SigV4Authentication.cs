using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using R2Gateway.Security;

namespace R2Gateway.S3Api;

/// <summary>The verified signature of the request, for the body's chunk signatures.</summary>
public interface IS3SigningFeature
{
    S3Signing Signing { get; }
}

internal sealed record S3SigningFeature(S3Signing Signing) : IS3SigningFeature;

/// <summary>
/// AWS SigV4 (Authorization header or presigned query) against the access keys of <c>Auth:Tokens</c>.
/// It yields the same principal as the bearer scheme (<see cref="TokenAuthenticationHandler.PrincipalFor"/>),
/// so a token's prefixes and rights apply to S3 requests through the same check as to the Worker API.
/// A failure carries the <see cref="ContractException"/> the client should get.
/// </summary>
public sealed class SigV4AuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, S3Credentials credentials, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SigV4";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        try
        {
            if (SigV4Request.Parse(Request) is not { } signed)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            if (credentials.Find(signed.AccessKeyId) is not { } found)
            {
                throw Error.InvalidAccessKeyId();
            }

            var signing = signed.Verify(Context, found.Secret, time.GetUtcNow());
            Context.Features.Set<IS3SigningFeature>(new S3SigningFeature(signing));
            var principal = TokenAuthenticationHandler.PrincipalFor(found.Token, SchemeName);
            if (found.Operation is { } only)
            {
                ((System.Security.Claims.ClaimsIdentity)principal.Identity!).AddClaim(new(GatewayS3Signer.OperationClaim, only));
            }

            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
        }
        catch (ContractException e)
        {
            return Task.FromResult(AuthenticateResult.Fail(e));
        }
    }
}
