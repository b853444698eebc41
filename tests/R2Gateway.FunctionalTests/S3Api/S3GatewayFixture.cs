using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Testing;
using R2Gateway.S3Api;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>
/// A gateway on the embedded store with tokens made by the real <c>token create --json</c>:
/// "all" (every key of the default bucket: read, write, delete), "scoped" (allowed/ only: read, write),
/// "owner" (every bucket: read, write, delete) and "team-a" (only the bucket team-a: read, write, delete),
/// and the environment real S3 clients need to reach its S3 endpoint.
/// </summary>
public sealed class S3GatewayFixture : IAsyncLifetime, IDisposable
{
    public const string Bucket = "r2gateway";

    private readonly TempDir _root = new();
    private FileSystemGateway? _gateway;

    public (string AccessKeyId, string Secret) All { get; private set; }

    public (string AccessKeyId, string Secret) Scoped { get; private set; }

    public (string AccessKeyId, string Secret) Owner { get; private set; }

    public (string AccessKeyId, string Secret) TeamA { get; private set; }

    /// <summary>The bearer tokens, by token name, for the Worker API.</summary>
    public Dictionary<string, string> BearerTokens { get; } = [];

    /// <summary>The "all" token's bearer token, for the Worker API.</summary>
    public string AllBearer => BearerTokens["all"];

    /// <summary>More gateway configuration (limits, webhooks, an S3 store), set before <see cref="InitializeAsync"/>.</summary>
    public Dictionary<string, string?> ExtraSettings { get; init; } = [];

    public string Endpoint { get; private set; } = "";

    public string Root => _root.Path;

    public FileSystemGateway Gateway => _gateway!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(ExtraSettings);
        All = await CreateTokenAsync(settings, 0, "all", "", [], "read", "write", "delete");
        Scoped = await CreateTokenAsync(settings, 1, "scoped", "allowed/", [], "read", "write");
        Owner = await CreateTokenAsync(settings, 2, "owner", "", ["*"], "read", "write", "delete");
        TeamA = await CreateTokenAsync(settings, 3, "team-a", "", ["team-a"], "read", "write", "delete");
        _gateway = FileSystemGateway.OnRoot(_root.Path, settings);
        Endpoint = _gateway.Services.GetRequiredService<S3ApiServer>().Addresses.Single();
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _gateway?.Dispose();
        _gateway = null;
        _root.Dispose();
    }

    /// <summary>AWSSDK.S3 (.NET) signed with <paramref name="key"/> (or another <paramref name="secret"/>), path-style, region auto.</summary>
    public Amazon.S3.AmazonS3Client SdkClient((string AccessKeyId, string Secret) key, string? secret = null) => SdkClient(Endpoint, key, secret);

    /// <summary>The same against any gateway's S3 endpoint; <paramref name="configure"/> adjusts the SDK's settings.</summary>
    public static Amazon.S3.AmazonS3Client SdkClient(string endpoint, (string AccessKeyId, string Secret) key, string? secret = null,
        Action<Amazon.S3.AmazonS3Config>? configure = null)
    {
        var config = new Amazon.S3.AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "auto" };
        configure?.Invoke(config);
        return new(new Amazon.Runtime.BasicAWSCredentials(key.AccessKeyId, secret ?? key.Secret), config);
    }

    /// <summary>What the aws CLI, boto3 and rclone read: these credentials, region auto, no user configuration.</summary>
    public Dictionary<string, string> ClientEnvironment((string AccessKeyId, string Secret) key, string? secret = null) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = key.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = secret ?? key.Secret,
        ["AWS_DEFAULT_REGION"] = "auto",
        ["AWS_CONFIG_FILE"] = Path.Combine(_root.Path, "no-aws-config"),
        ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_root.Path, "no-aws-credentials"),
        ["S3_ENDPOINT"] = Endpoint,
        ["S3_BUCKET"] = Bucket,
    };

    public Task<(int ExitCode, string Output)> AwsAsync((string, string) key, params string[] args) =>
        AwsWithSecretAsync(key, null, args);

    public Task<(int ExitCode, string Output)> AwsWithSecretAsync((string, string) key, string? secret, params string[] args) =>
        ProcessRunner.RunAsync("aws", ["--endpoint-url", Endpoint, .. args], _root.Path, ClientEnvironment(key, secret), TimeSpan.FromMinutes(3));

    /// <summary>rclone's S3 backend configured by environment alone, as the README shows (remote "gw").</summary>
    public Task<(int ExitCode, string Output)> RcloneAsync(params string[] args)
    {
        var env = ClientEnvironment(All);
        env["RCLONE_CONFIG"] = Path.Combine(_root.Path, "no-rclone.conf");
        env["RCLONE_CONFIG_GW_TYPE"] = "s3";
        env["RCLONE_CONFIG_GW_PROVIDER"] = "Cloudflare";
        env["RCLONE_CONFIG_GW_ACCESS_KEY_ID"] = All.AccessKeyId;
        env["RCLONE_CONFIG_GW_SECRET_ACCESS_KEY"] = All.Secret;
        env["RCLONE_CONFIG_GW_ENDPOINT"] = Endpoint;
        env["RCLONE_CONFIG_GW_REGION"] = "auto";
        // rclone's S3 backend refuses any AWS_CA_BUNDLE (set on some machines) for a custom http transport.
        return ProcessRunner.RunAsync("env", ["-u", "AWS_CA_BUNDLE", "rclone", .. args], _root.Path, env, TimeSpan.FromMinutes(3));
    }

    /// <summary>Runs <c>token create --json</c> as a user would, against the same data root, and adds its config entry.</summary>
    private async Task<(string, string)> CreateTokenAsync(Dictionary<string, string?> settings, int index, string name, string prefix, string[] buckets, params string[] rights)
    {
        var (accessKeyId, secret, token) = await CreateTokenAsync(_root.Path, settings, index, name, prefix, buckets, rights);
        BearerTokens[name] = token;
        return (accessKeyId, secret);
    }

    /// <summary>Runs <c>token create --json</c> with its key ring in <paramref name="root"/>/keys and adds the entry to <paramref name="settings"/>.</summary>
    public static async Task<(string AccessKeyId, string Secret, string Token)> CreateTokenAsync(
        string root, Dictionary<string, string?> settings, int index, string name, string prefix, string[] buckets, params string[] rights)
    {
        var args = new List<string> { typeof(Program).Assembly.Location, "token", "create", "--name", name, "--prefix", prefix };
        foreach (var bucket in buckets)
        {
            args.AddRange(["--bucket", bucket]);
        }

        foreach (var right in rights)
        {
            args.AddRange(["--can", right]);
        }

        args.AddRange(["--json", $"--Storage:FileSystem:Root={root}"]);
        var (exit, output, log) = await ProcessRunner.RunSeparatelyAsync("dotnet", args, root);
        exit.Should().Be(0, output + log);
        var created = JsonNode.Parse(output)!.AsObject(); // stdout is the JSON alone: log lines (a new key ring's) go to stderr
        var config = created["config"]!.AsObject();
        config["SecretAccessKey"]!.GetValue<string>().Should().StartWith("dp:").And.NotContain(created["secretAccessKey"]!.GetValue<string>());
        settings[$"Auth:Tokens:{index}:Name"] = name;
        settings[$"Auth:Tokens:{index}:Hash"] = config["Hash"]!.GetValue<string>();
        settings[$"Auth:Tokens:{index}:Prefixes:0"] = prefix;
        settings[$"Auth:Tokens:{index}:AccessKeyId"] = config["AccessKeyId"]!.GetValue<string>();
        settings[$"Auth:Tokens:{index}:SecretAccessKey"] = config["SecretAccessKey"]!.GetValue<string>();
        var configured = config["Buckets"]?.AsArray().Select(b => b!.GetValue<string>()).ToArray() ?? [];
        configured.Should().Equal(buckets);
        for (var i = 0; i < configured.Length; i++)
        {
            settings[$"Auth:Tokens:{index}:Buckets:{i}"] = configured[i];
        }


        for (var i = 0; i < rights.Length; i++)
        {
            settings[$"Auth:Tokens:{index}:Can:{i}"] = rights[i];
        }

        return (created["accessKeyId"]!.GetValue<string>(), created["secretAccessKey"]!.GetValue<string>(), created["token"]!.GetValue<string>());
    }
}
