namespace R2Gateway.S3Api;

/// <summary>The <c>S3Api</c> section: the S3-compatible endpoint's own listener and the bucket it shows.</summary>
public sealed class S3ApiOptions
{
    public const string Section = "S3Api";

    /// <summary>Where the S3 endpoint listens, separated by ';'. Empty turns it off.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8788";

    /// <summary>The default bucket's name on the endpoint: the Worker API's bucket (the filesystem root,
    /// or Storage:S3:Bucket). Other buckets are made by CreateBucket or configured (Storage:S3:Buckets).</summary>
    public string Bucket { get; set; } = "r2gateway";

    /// <summary>The Data Protection key ring that protects the S3 secrets in <c>Auth:Tokens</c>;
    /// empty means <c>keys/</c> in the filesystem store's root.</summary>
    public string KeysPath { get; set; } = "";

    /// <summary>The endpoint's URL as browsers and clients reach it (behind a proxy, say), for the URLs
    /// the gateway signs; empty means the first of <see cref="Urls"/>, with a wildcard host replaced by
    /// the host the request came to.</summary>
    public Uri? PublicUrl { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Urls);
}
