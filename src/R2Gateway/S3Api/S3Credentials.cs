using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using R2Gateway.Security;

namespace R2Gateway.S3Api;

/// <summary>
/// The S3 access keys of the configured tokens. SigV4 is symmetric, so the gateway needs each secret
/// itself, not a hash: configuration holds it protected by ASP.NET Core Data Protection
/// (<c>dp:</c> and the protected payload), whose key ring lives in <see cref="S3ApiOptions.KeysPath"/>.
/// </summary>
public sealed class S3Credentials(IOptions<AuthOptions> auth, IDataProtectionProvider dataProtection, GatewayS3Signer? presigned = null)
{
    public const string ProtectedPrefix = "dp:";
    private const string Purpose = "R2Gateway.S3Api.SecretAccessKey";

    private readonly Lazy<Dictionary<string, (TokenEntry Token, string Secret)>> _byAccessKey = new(() => Load(auth.Value, dataProtection));

    /// <summary>Reads every secret now, so a key ring that cannot stops start-up rather than failing requests.</summary>
    public void Load() => _ = _byAccessKey.Value;

    /// <param name="accessKeyId">A token's access key, or one the gateway made for one presigned request
    /// (<see cref="GatewayS3Signer"/>), which then allows only <c>Operation</c>.</param>
    public (TokenEntry Token, string Secret, string? Operation)? Find(string accessKeyId) =>
        _byAccessKey.Value.TryGetValue(accessKeyId, out var found) ? (found.Token, found.Secret, null)
        : presigned?.Resolve(accessKeyId) is { } signed ? signed
        : null;

    /// <summary>A new access key id (20 characters, like AWS's) and secret (40), and the secret's protected form.</summary>
    public static (string AccessKeyId, string Secret, string Protected) Create(IDataProtectionProvider dataProtection)
    {
        const string upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var accessKeyId = "R2GW" + RandomNumberGenerator.GetString(upper, 16);
        var secret = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
        return (accessKeyId, secret, ProtectedPrefix + dataProtection.CreateProtector(Purpose).Protect(secret));
    }

    private static Dictionary<string, (TokenEntry, string)> Load(AuthOptions auth, IDataProtectionProvider dataProtection)
    {
        var protector = dataProtection.CreateProtector(Purpose);
        var result = new Dictionary<string, (TokenEntry, string)>(StringComparer.Ordinal);
        foreach (var token in auth.Tokens.Where(t => !string.IsNullOrEmpty(t.AccessKeyId)))
        {
            if (token.SecretAccessKey is not { } stored || !stored.StartsWith(ProtectedPrefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Auth:Tokens '{token.Name}' has an AccessKeyId but its SecretAccessKey is not the '{ProtectedPrefix}…' form 'token create' prints.");
            }

            try
            {
                result.Add(token.AccessKeyId!, (token, protector.Unprotect(stored[ProtectedPrefix.Length..])));
            }
            catch (CryptographicException e)
            {
                throw new InvalidOperationException(
                    $"The S3 secret of token '{token.Name}' cannot be read with the key ring in S3Api:KeysPath; it was made with another one. Make a new one with 'token create'.", e);
            }
        }

        return result;
    }
}
