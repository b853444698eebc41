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

    private static readonly Lazy<S3TestServer> SharedServer = new(() =>
    {
        var server = new S3TestServer();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    });

    public S3TestServer() => Start();

    /// <summary>One server for the whole test assembly, started on first use and stopped when the test
    /// process exits: each user takes a bucket of its own (<see cref="CreateUniqueBucket"/>). A test that
    /// stops or restarts the server starts one of its own instead.</summary>
    public static S3TestServer Shared => SharedServer.Value;

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

        // The daemons outlive a test process that is killed (a hang timeout, Ctrl-C): a detached watcher
        // takes them down when this process is gone. After a normal stop it finds nothing to do.
        var watcher = new System.Diagnostics.ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var arg in new[] { "-f", "bash", "-c", "while kill -0 \"$1\" 2>/dev/null; do sleep 2; done; exec bash \"$2\" down \"$3\"", "watch",
            Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), script, _stateDir })
        {
            watcher.ArgumentList.Add(arg);
        }

        System.Diagnostics.Process.Start(watcher)?.WaitForExit();
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

    /// <summary>Creates a bucket no other test uses, named <paramref name="stem"/>-&lt;random&gt;.</summary>
    public string CreateUniqueBucket(string stem)
    {
        var bucket = $"{stem}-{Guid.NewGuid():N}";
        CreateBucket(bucket);
        return bucket;
    }

    /// <summary>Deletes a bucket with its objects and unfinished uploads (the server keeps data in memory).
    /// Best effort: a server already stopped has nothing to free.</summary>
    public void DeleteBucket(string bucket)
    {
        try
        {
            using var client = Client(bucket);
            Amazon.S3.Util.AmazonS3Util.DeleteS3BucketWithObjectsAsync(client, bucket).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is AmazonS3Exception or HttpRequestException or IOException)
        {
        }
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

/// <summary>A gateway on the S3 store, on a bucket of its own on the assembly's shared S3 server.</summary>
public sealed class S3Gateway : IGatewayFixture, IDisposable
{
    private readonly GatewayFactory _factory;

    public S3Gateway()
    {
        Server = S3TestServer.Shared;
        Bucket = Server.CreateUniqueBucket("r2gw-test");
        _factory = GatewayFactory.Start(Server.GatewaySettings(Bucket));
        Client = _factory.CreateClient();
        Client.Timeout = TimeSpan.FromMinutes(2);
    }

    public S3TestServer Server { get; }

    public string Bucket { get; }

    public HttpClient Client { get; }

    public Uri BaseAddress => _factory.BaseAddress;

    public IServiceProvider Services => _factory.Services;

    public ServerSignals Signals => _factory.Signals;

    public HttpClient UrlClient => field ??= Server.TrustingHttpClient();

    public void Dispose()
    {
        Client.Dispose();
        UrlClient.Dispose();
        _factory.Dispose();
        Server.DeleteBucket(Bucket);
    }
}
