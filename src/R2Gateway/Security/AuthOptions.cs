namespace R2Gateway.Security;

/// <summary>The <c>Auth</c> section: who may do what to which keys.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>With none, the gateway is open, and it then listens on loopback only.</summary>
    public List<TokenEntry> Tokens { get; set; } = [];

    /// <summary>Serve without tokens on addresses other than loopback: only on purpose.</summary>
    public bool AllowAnonymous { get; set; }

    public bool Enabled => Tokens.Count > 0;
}

/// <summary>One token as configured: its name, a hash of it (never the token), the key prefixes it
/// may touch and what it may do there. <c>dotnet R2Gateway.dll token create</c> makes one.</summary>
public sealed class TokenEntry
{
    public string Name { get; set; } = "";

    /// <summary><c>sha256:&lt;hex&gt;</c> of the token.</summary>
    public string Hash { get; set; } = "";

    /// <summary>Buckets the token may use (S3 endpoint); none is the default bucket only, <c>*</c> every bucket.</summary>
    public List<string> Buckets { get; set; } = [];

    /// <summary>Key prefixes, matched against the exact key string; "" is every key.</summary>
    public List<string> Prefixes { get; set; } = [];

    public List<Right> Can { get; set; } = [];

    /// <summary>The largest object this token may put or complete; null is the store's limit.</summary>
    public long? MaxObjectSize { get; set; }

    /// <summary>Content types this token may upload ("image/png", or "image/*"); empty is any.</summary>
    public List<string> AllowedContentTypes { get; set; } = [];

    /// <summary>The S3 access key id of this token, for the S3 endpoint (optional).</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The S3 secret, protected: <c>dp:</c> and a Data Protection payload, never the secret itself.</summary>
    public string? SecretAccessKey { get; set; }
}

/// <summary>read: get, HEAD, list, mpu-listparts. write: put and the mpu actions that add data.
/// delete: delete, mpu-abort. presign: presign, mpu-presign-part, s3-sign.</summary>
public enum Right
{
    Read,
    Write,
    Delete,
    Presign,
}
