namespace R2Gateway.Security;

/// <summary>The <c>Presign</c> section: how the gateway signs URLs that point back at itself
/// (the filesystem store; with the S3 store URLs go straight to the bucket, signed with SigV4).</summary>
public sealed class PresignOptions
{
    public const string Section = "Presign";

    /// <summary>Base64 of at least 32 random bytes. When unset, a key is generated once and kept in
    /// the store's root (<c>presign.key</c>, owner-only), so every gateway on that root shares it.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The gateway's address as clients see it (behind a proxy); the request's own when unset.</summary>
    public Uri? PublicBaseUrl { get; set; }
}
