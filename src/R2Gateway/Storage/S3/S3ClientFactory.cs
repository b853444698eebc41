using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;
using Amazon.S3;

namespace R2Gateway.Storage.S3;

/// <summary>An AmazonS3Client configured the way R2 needs: no streaming SigV4 or trailing
/// checksums (checksums only when required), path-style addressing, explicit timeouts.</summary>
public static class S3ClientFactory
{
    public static AmazonS3Client Create(S3StoreOptions options)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = options.Endpoint.ToString(),
            AuthenticationRegion = options.Region,
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            BufferSize = 1024 * 1024,
            ConnectTimeout = options.ConnectTimeout,
            Timeout = options.RequestTimeout,
            MaxErrorRetry = 2,
        };
        if (options.CaCertificatePath is { Length: > 0 } ca)
        {
            config.HttpClientFactory = new TrustingHttpClientFactory(X509CertificateLoader.LoadCertificateFromFile(ca), options.ConnectTimeout);
        }

        return string.IsNullOrEmpty(options.AccessKeyId)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey), config);
    }

    /// <summary>Trusts exactly the configured CA, for a server behind a private CA: never "accept any certificate".</summary>
    private sealed class TrustingHttpClientFactory(X509Certificate2 ca, TimeSpan connectTimeout) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            var handler = new SocketsHttpHandler
            {
                ConnectTimeout = connectTimeout,
                SslOptions = new SslClientAuthenticationOptions
                {
                    CertificateChainPolicy = new X509ChainPolicy
                    {
                        TrustMode = X509ChainTrustMode.CustomRootTrust,
                        CustomTrustStore = { ca },
                    },
                },
            };
            return new HttpClient(handler) { Timeout = clientConfig.Timeout ?? Timeout.InfiniteTimeSpan };
        }
    }
}
