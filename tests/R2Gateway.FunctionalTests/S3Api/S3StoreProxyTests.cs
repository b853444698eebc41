using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Testing;
using R2Gateway.S3Api;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>
/// The gateway as a policy proxy in front of a real S3 server (radosgw): the aws CLI signs with the
/// gateway's credentials, the gateway checks the token's scope and calls the server with its own.
/// Which server buckets it exposes, and under which names, is Storage:S3:Buckets.
/// </summary>
[Trait("Needs", "S3")]
[Trait("Needs", "Clients")]
public sealed class S3StoreProxyTests
{
    [Fact]
    public async Task The_S3_store_serves_its_configured_buckets_with_the_tokens_scope_and_refuses_to_make_or_remove_buckets()
    {
        using var server = new S3TestServer();
        server.CreateBucket("gw-default");
        server.CreateBucket("gw-photos-real");
        using var root = new TempDir();
        var settings = server.GatewaySettings("gw-default");
        settings["Storage:S3:Buckets:photos"] = "gw-photos-real";
        settings["S3Api:KeysPath"] = Path.Combine(root.Path, "keys");
        var owner = await S3GatewayFixture.CreateTokenAsync(root.Path, settings, 0, "owner", "", ["*"], "read", "write", "delete");
        var defaultOnly = await S3GatewayFixture.CreateTokenAsync(root.Path, settings, 1, "default-only", "", [], "read", "write");
        using var gateway = GatewayFactory.Start(settings);
        var endpoint = gateway.Services.GetRequiredService<S3ApiServer>().Addresses.Single();

        Task<(int ExitCode, string Output)> Aws((string AccessKeyId, string Secret, string Token) key, params string[] args) =>
            ProcessRunner.RunAsync("aws", ["--endpoint-url", endpoint, .. args], root.Path, new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = key.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = key.Secret,
                ["AWS_DEFAULT_REGION"] = "auto",
                ["AWS_CONFIG_FILE"] = Path.Combine(root.Path, "no-aws-config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(root.Path, "no-aws-credentials"),
            }, TimeSpan.FromMinutes(3));

        var (exit, output) = await Aws(owner, "s3", "ls");
        exit.Should().Be(0, output);
        output.Should().Contain("photos").And.Contain("r2gateway").And.NotContain("gw-photos-real");

        // A multipart upload to the exposed name lands in the server's bucket, streamed through.
        var data = RandomBytes(20 * MiB);
        var file = Path.Combine(root.Path, "big.bin");
        await File.WriteAllBytesAsync(file, data);
        (exit, output) = await Aws(owner, "s3", "cp", file, "s3://photos/album/big.bin", "--only-show-errors");
        exit.Should().Be(0, output);
        using (var photos = server.Client("gw-photos-real"))
        {
            var head = await photos.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = "gw-photos-real", Key = "album/big.bin" });
            head.ContentLength.Should().Be(data.Length);
            head.ETag.Should().EndWith("-3\"");
        }

        (exit, output) = await Aws(owner, "s3", "cp", "s3://photos/album/big.bin", file + ".back", "--only-show-errors");
        exit.Should().Be(0, output);
        (await File.ReadAllBytesAsync(file + ".back")).Should().Equal(data);
        (exit, output) = await Aws(owner, "s3api", "head-object", "--bucket", "r2gateway", "--key", "album/big.bin");
        exit.Should().NotBe(0, "the default bucket is another bucket on the server");

        // ListMultipartUploads goes through to the server's bucket.
        (exit, output) = await Aws(owner, "s3api", "create-multipart-upload", "--bucket", "photos", "--key", "album/open.bin", "--output", "text", "--query", "UploadId");
        exit.Should().Be(0, output);
        var uploadId = output.Trim();
        (exit, output) = await Aws(owner, "s3api", "list-multipart-uploads", "--bucket", "photos", "--prefix", "album/");
        exit.Should().Be(0, output);
        output.Should().Contain("album/open.bin").And.Contain(uploadId);
        (exit, output) = await Aws(owner, "s3api", "abort-multipart-upload", "--bucket", "photos", "--key", "album/open.bin", "--upload-id", uploadId);
        exit.Should().Be(0, output);

        // The token's scope: a token without Buckets has the default bucket only.
        (exit, output) = await Aws(defaultOnly, "s3", "ls");
        output.Should().Contain("r2gateway").And.NotContain("photos");
        (exit, output) = await Aws(defaultOnly, "s3", "cp", "s3://photos/album/big.bin", file + ".stolen", "--only-show-errors");
        exit.Should().NotBe(0);
        output.Should().Contain("403");
        (exit, output) = await Aws(defaultOnly, "s3", "cp", file, "s3://r2gateway/mine.bin", "--only-show-errors");
        exit.Should().Be(0, output);
        (exit, output) = await Aws(defaultOnly with { Secret = defaultOnly.Secret[..^1] + (defaultOnly.Secret[^1] == 'a' ? 'b' : 'a') }, "s3", "ls", "s3://r2gateway/");
        exit.Should().NotBe(0);
        output.Should().Contain("SignatureDoesNotMatch");

        // Buckets on the server are configuration: the gateway neither makes nor removes them.
        (exit, output) = await Aws(owner, "s3", "mb", "s3://made-here");
        exit.Should().NotBe(0);
        output.Should().Contain("NotImplemented");
        (exit, output) = await Aws(owner, "s3api", "delete-bucket", "--bucket", "photos");
        exit.Should().NotBe(0);
        output.Should().Contain("NotImplemented");
        (exit, output) = await Aws(owner, "s3api", "head-bucket", "--bucket", "gw-photos-real");
        exit.Should().NotBe(0, "only the exposed names are buckets of the gateway");
        output.Should().Contain("404");
    }
}
