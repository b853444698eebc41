using Microsoft.Extensions.Options;

namespace R2Gateway.Storage.S3;

/// <summary>The <c>Storage:S3</c> section: a bucket on R2 (by account id) or on any S3 server (by URL).</summary>
public sealed class S3StoreOptions
{
    public const string Section = "Storage:S3";

    /// <summary>Cloudflare account id; gives the endpoint https://&lt;id&gt;.r2.cloudflarestorage.com.</summary>
    public string? AccountId { get; set; }

    /// <summary>Endpoint of any other S3-compatible server; use instead of <see cref="AccountId"/>.</summary>
    public string? ServiceUrl { get; set; }

    public string? Bucket { get; set; }

    /// <summary>More buckets the S3 endpoint exposes: the name clients use → the bucket's name on R2.
    /// The gateway's default bucket is <see cref="Bucket"/> under <c>S3Api:Bucket</c>'s name.</summary>
    public Dictionary<string, string> Buckets { get; set; } = [];

    /// <summary>A copy for another bucket on the same server, with the same credentials.</summary>
    public S3StoreOptions ForBucket(string bucket)
    {
        var copy = (S3StoreOptions)MemberwiseClone();
        copy.Bucket = bucket;
        copy.Buckets = [];
        return copy;
    }

    /// <summary>With <see cref="SecretAccessKey"/>; when both are unset the SDK's standard chain
    /// (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profile) is used.</summary>
    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    /// <summary>Signing region; R2 uses <c>auto</c>.</summary>
    public string Region { get; set; } = "auto";

    public bool ForcePathStyle { get; set; } = true;

    /// <summary>A PEM certificate to trust as the root of the server's certificate chain instead of the
    /// system's roots, for S3 servers behind a private CA (R2 needs none).</summary>
    public string? CaCertificatePath { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound on one request to the bucket, a 5 GiB part included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Where bodies sent without Content-Length are spooled before they go to the bucket
    /// (S3 needs the length up front); the system temp directory when unset.</summary>
    public string? SpoolDirectory { get; set; }

    public Uri Endpoint => ServiceUrl is { Length: > 0 } url ? new Uri(url) : new Uri($"https://{AccountId}.r2.cloudflarestorage.com");
}

/// <summary>Stops start-up with a message naming the key to set.</summary>
public sealed class S3StoreOptionsValidator : IValidateOptions<S3StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, S3StoreOptions options)
    {
        var errors = new List<string>();
        var hasAccount = !string.IsNullOrWhiteSpace(options.AccountId);
        var hasUrl = !string.IsNullOrWhiteSpace(options.ServiceUrl);
        if (hasAccount == hasUrl)
        {
            errors.Add(hasAccount
                ? "Set only one of Storage:S3:AccountId (for R2) and Storage:S3:ServiceUrl (for another S3 server), not both."
                : "Set Storage:S3:AccountId (your Cloudflare account id, for R2) or Storage:S3:ServiceUrl (for another S3 server).");
        }

        if (hasUrl && !(Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
        {
            errors.Add($"Storage:S3:ServiceUrl must be an absolute http(s) URL; it is '{options.ServiceUrl}'.");
        }

        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            errors.Add("Set Storage:S3:Bucket to the name of the bucket to serve.");
        }

        foreach (var (exposed, target) in options.Buckets)
        {
            if (!BucketNames.IsValid(exposed) || string.IsNullOrWhiteSpace(target))
            {
                errors.Add($"Storage:S3:Buckets '{exposed}': the exposed name must be a valid bucket name (3-63 of a-z, 0-9, '-') and map to a bucket name on the server.");
            }
        }

        if (string.IsNullOrEmpty(options.AccessKeyId) != string.IsNullOrEmpty(options.SecretAccessKey))
        {
            errors.Add("Set both Storage:S3:AccessKeyId and Storage:S3:SecretAccessKey, or neither (to use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).");
        }

        if (options.CaCertificatePath is { Length: > 0 } ca)
        {
            try
            {
                using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(ca);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                errors.Add($"Storage:S3:CaCertificatePath must name a readable PEM or DER certificate: '{ca}' ({e.Message}).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
