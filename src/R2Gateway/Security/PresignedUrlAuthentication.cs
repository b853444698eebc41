using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using R2Gateway.Http;

namespace R2Gateway.Security;

/// <summary>
/// The gateway's own presigned URLs as an authentication scheme: a request that carries a signature
/// is authenticated only if the signature holds for exactly this request and has not expired. Its
/// principal may do exactly what was signed, the signed action's right on the signed key in the
/// default bucket, and nothing else; that a token with that right signed it was checked at presign time.
/// </summary>
public sealed class PresignedUrlAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IServiceProvider services)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "GatewayPresigned";
    public const string PrincipalName = "(presigned URL)";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!GatewayUrlSigner.IsPresigned(Request))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Only the filesystem store registers the signer; with the S3 store URLs point at the bucket.
        if (services.GetService<GatewayUrlSigner>() is not { } signer)
        {
            return Task.FromResult(AuthenticateResult.Fail("This gateway does not issue presigned URLs of its own: with the S3 store they point at the bucket."));
        }

        string key;
        try
        {
            key = ObjectKey.FromRequest(Context).Value;
        }
        catch (ContractException e)
        {
            return Task.FromResult(AuthenticateResult.Fail(e.Message)); // no valid key, so nothing it could have signed
        }

        if (signer.Verify(Request, key) is { } refusal)
        {
            return Task.FromResult(AuthenticateResult.Fail(refusal));
        }

        var right = Request.Query["action"].ToString() == "get" ? Right.Read : Right.Write;
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, PrincipalName),
                new Claim(TokenAuthenticationHandler.RightClaim, right.ToString()),
                new Claim(TokenAuthenticationHandler.PrefixClaim, key),
            ],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
