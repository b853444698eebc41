using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.Security;

namespace R2Gateway.S3Api;

/// <summary>
/// Presigned URLs to the gateway's own S3 endpoint, for the filesystem store. Each URL is signed with
/// an access key made for it: its id names the operation and the token that asked, its secret is an
/// HMAC of the id under the presign key, so the endpoint re-derives it without any state and a changed
/// id fails the signature. The request runs as that token (no more than its signer may do) and only
/// as the operation signed: a PUT URL cannot become a CopyObject by adding x-amz-copy-source.
/// </summary>
public sealed class GatewayS3Signer(GatewayUrlSigner presignKey, IOptions<AuthOptions> auth, TimeProvider clock) : IS3RequestSigner
{
    public const string AccessKeyPrefix = "R2GWS";
    public const string OperationClaim = "r2gw:s3-operation";

    private readonly Lazy<byte[]> _key = new(() => presignKey.DeriveKey("r2gw-s3-presign-v1"), LazyThreadSafetyMode.PublicationOnly);

    public Uri Sign(S3SignTarget target, Uri gatewayS3Url, string signer)
    {
        var accessKeyId = AccessKeyPrefix + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(target.Operation + "\n" + signer));
        return SigV4Presigner.Presign(gatewayS3Url, target.Key, ObjectKey.ToPath(target.Key), target, accessKeyId, Secret(accessKeyId), "auto", clock.GetUtcNow());
    }

    /// <summary>The token and operation of an access key this signer made, and its secret; null for any other id.</summary>
    public (TokenEntry Token, string Secret, string Operation)? Resolve(string accessKeyId)
    {
        if (!accessKeyId.StartsWith(AccessKeyPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(accessKeyId.AsSpan(AccessKeyPrefix.Length)));
        }
        catch (FormatException)
        {
            return null;
        }

        return decoded.Split('\n', 2) is [var operation, var name] && auth.Value.Tokens.FirstOrDefault(t => t.Name == name) is { } token
            ? (token, Secret(accessKeyId), operation)
            : null;
    }

    private string Secret(string accessKeyId) => Convert.ToHexStringLower(HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes(accessKeyId)));
}
