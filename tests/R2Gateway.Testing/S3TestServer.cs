using Amazon.S3;
using Amazon.S3.Model;
using R2Gateway.Storage.S3;

namespace R2Gateway.Testing;

/// <summary>
/// A real S3 server for the tests: Ceph's radosgw on a throwaway one-node cluster on loopback,
/// over TLS with a fresh self-signed certificate (scripts/s3-test-server.sh). It verifies SigV4
/// and presigned signatures, so passing against it means something. About 2 s to start.
/// </summary>
public sealed class S3TestServer : IDisposable
{
    public const string AccessKey = "TESTKEY";
    public const string SecretKey = "TESTSECRET";

    private readonly int _httpPort = FreePort.Next();
    private readonly int _monPort = FreePort.Next();
    private string? _stateDir;

    public S3TestServer() => Start();

    public int HttpsPort { get; } = FreePort.Next();

    public Uri Endpoint => new($"https://127.0.0.1:{HttpsPort}");

    /// <summary>The server's certificate (its own CA); copied out so it outlives a restart.</summary>
    public string CaCertificate { get; } = Path.Combine(Directory.CreateTempSubdirectory("r2gw-s3ca-").FullName, "cert.pem");

    public void Start()
    {
        var script = Path.Combine(ProcessRunner.RepositoryRoot, "scripts", "s3-test-server.sh");
        var environment = new Dictionary<string, string>
        {
            ["PORT"] = _httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SSLPORT"] = HttpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MONPORT"] = _monPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (File.Exists(CaCertificate))
        {
            // A restart keeps the certificate the gateways were told to trust.
            environment["S3_CERT"] = CaCertificate;
            environment["S3_KEY"] = CaKey;
        }

        var (exitCode, output) = ProcessRunner.RunAsync("bash", [script, "up"], environment: environment, timeout: TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        _stateDir = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim();
        if (exitCode != 0 || _stateDir is null || !Directory.Exists(_stateDir))
        {
            throw new InvalidOperationException(
                $"The test S3 server (Ceph radosgw) did not start; ./test.sh installs it (apt packages ceph-mon ceph-osd radosgw ceph-common). Output:\n{output}");
        }

        if (!File.Exists(CaCertificate))
        {
            File.Copy(Path.Combine(_stateDir, "cert.pem"), CaCertificate);
            File.Copy(Path.Combine(_stateDir, "key.pem"), CaKey);
        }
    }

    private string CaKey => Path.Combine(Path.GetDirectoryName(CaCertificate)!, "key.pem");

    public void Stop()
    {
        if (_stateDir is not null)
        {
            var script = Path.Combine(ProcessRunner.RepositoryRoot, "scripts", "s3-test-server.sh");
            ProcessRunner.RunAsync("bash", [script, "down", _stateDir]).GetAwaiter().GetResult();
            _stateDir = null;
        }
    }

    public S3StoreOptions StoreOptions(string bucket) => new()
    {
        ServiceUrl = Endpoint.ToString(),
        Bucket = bucket,
        AccessKeyId = AccessKey,
        SecretAccessKey = SecretKey,
        CaCertificatePath = CaCertificate,
    };

    /// <summary>An SDK client of the server, for setting up buckets.</summary>
    public AmazonS3Client Client(string bucket = "setup") => S3ClientFactory.Create(StoreOptions(bucket));

    /// <summary>An HttpClient that trusts this server's certificate, for presigned URLs.</summary>
    public HttpClient TrustingHttpClient()
    {
        var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(CaCertificate);
        return new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
                {
                    TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                },
            },
        });
    }

    public void CreateBucket(string bucket)
    {
        using var client = Client(bucket);
        client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }).GetAwaiter().GetResult();
    }

    /// <summary>Gateway configuration for a bucket on this server.</summary>
    public Dictionary<string, string?> GatewaySettings(string bucket) => new()
    {
        ["Storage:Provider"] = "S3",
        ["Storage:S3:ServiceUrl"] = Endpoint.ToString(),
        ["Storage:S3:Bucket"] = bucket,
        ["Storage:S3:AccessKeyId"] = AccessKey,
        ["Storage:S3:SecretAccessKey"] = SecretKey,
        ["Storage:S3:CaCertificatePath"] = CaCertificate,
    };

    /// <summary>Environment for the aws CLI and boto3, independent clients of the same server.</summary>
    public Dictionary<string, string> AwsEnvironment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_CA_BUNDLE"] = CaCertificate,
        ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required",
        ["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required",
    };

    public void Dispose()
    {
        Stop();
        Directory.Delete(Path.GetDirectoryName(CaCertificate)!, recursive: true);
    }

}

/// <summary>A gateway on the S3 store, backed by its own real S3 server and bucket.</summary>
public sealed class S3Gateway : IGatewayFixture, IDisposable
{
    public const string Bucket = "r2gw-test";
    private readonly GatewayFactory _factory;

    public S3Gateway()
    {
        Server = new S3TestServer();
        Server.CreateBucket(Bucket);
        _factory = GatewayFactory.Start(Server.GatewaySettings(Bucket));
        Client = _factory.CreateClient();
        Client.Timeout = TimeSpan.FromMinutes(2);
    }

    public S3TestServer Server { get; }

    public HttpClient Client { get; }

    public Uri BaseAddress => _factory.BaseAddress;

    public IServiceProvider Services => _factory.Services;

    public HttpClient UrlClient => field ??= Server.TrustingHttpClient();

    public void Dispose()
    {
        Client.Dispose();
        UrlClient.Dispose();
        _factory.Dispose();
        Server.Dispose();
    }
}
