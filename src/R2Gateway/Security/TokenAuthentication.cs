using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace R2Gateway.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> against the configured token hashes. The token's SHA-256
/// is compared with every configured hash in constant time, so neither timing nor the order of the
/// list tells an attacker anything. Tokens are 256 random bits, so a fast hash is enough.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string PrefixClaim = "r2gw:prefix";
    public const string RightClaim = "r2gw:can";
    public const string BucketClaim = "r2gw:bucket";

    // The configured hashes decoded once per options instance, not on every request.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<AuthOptions, (TokenEntry Token, byte[] Hash)[]> Hashes = new();

    private static (TokenEntry Token, byte[] Hash)[] Parse(AuthOptions options) =>
        options.Tokens.Select(t => (t, TokenHash.Parse(t.Hash))).ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        TokenEntry? match = null;
        foreach (var (token, hash) in Hashes.GetValue(auth.Value, Parse))
        {
            if (CryptographicOperations.FixedTimeEquals(presented, hash))
            {
                match = token;
            }
        }

        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The bearer token is not one this gateway knows."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(PrincipalFor(match, SchemeName), SchemeName)));
    }

    /// <summary>The principal of a token, whichever scheme proved it: its name, buckets, prefixes and rights.</summary>
    public static ClaimsPrincipal PrincipalFor(TokenEntry token, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, token.Name) };
        claims.AddRange(token.Prefixes.Select(p => new Claim(PrefixClaim, p)));
        claims.AddRange(token.Can.Select(c => new Claim(RightClaim, c.ToString())));
        claims.AddRange(token.Buckets.Select(b => new Claim(BucketClaim, b)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}

/// <summary>The configured form of a token: <c>sha256:&lt;hex&gt;</c>.</summary>
public static class TokenHash
{
    public const string Prefix = "sha256:";

    public static string Of(string token) => Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static byte[] Parse(string hash) =>
        hash.StartsWith(Prefix, StringComparison.Ordinal) && hash.Length == Prefix.Length + 64
            ? Convert.FromHexString(hash.AsSpan(Prefix.Length))
            : throw new InvalidOperationException($"An Auth:Tokens hash must be '{Prefix}' and 64 hex digits; make one with 'token create'.");
}
