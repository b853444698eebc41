using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>The gateway as a policy proxy: its S3 endpoint in front of the S3 store, which points at a
/// real S3 server (radosgw). Clients sign with the gateway's keys; the gateway calls radosgw with its own.</summary>
public sealed class RadosgwS3GatewayFixture : IAsyncLifetime, IDisposable
{
    public string StoreBucket { get; } = S3TestServer.Shared.CreateUniqueBucket("r2gw-s3api");

    public S3TestServer Server { get; } = S3TestServer.Shared;

    public S3GatewayFixture Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = new S3GatewayFixture { ExtraSettings = Server.GatewaySettings(StoreBucket) };
        await Gateway.InitializeAsync();
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Gateway?.Dispose();
        Server.DeleteBucket(StoreBucket);
    }
}

[Trait("Needs", "S3")]
public sealed class S3ApiOnRadosgwTests(RadosgwS3GatewayFixture fixture) : IClassFixture<RadosgwS3GatewayFixture>
{
    private const string B = S3GatewayFixture.Bucket;
    private readonly S3GatewayFixture _s3 = fixture.Gateway;

    [Fact]
    public async Task Aws_cli_cp_above_the_multipart_threshold_round_trips_through_radosgw()
    {
        var data = RandomBytes(20 * MiB + 11);
        var file = Path.Combine(_s3.Root, $"rgw-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, data);
        var key = $"rgw/cli/{Guid.NewGuid():N}.bin";

        var (exit, output) = await _s3.AwsAsync(_s3.All, "s3", "cp", file, $"s3://{B}/{key}", "--only-show-errors");
        exit.Should().Be(0, output);
        (exit, output) = await _s3.AwsAsync(_s3.All, "s3api", "head-object", "--bucket", B, "--key", key);
        exit.Should().Be(0, output);
        output.Should().Contain("-3\\\"", "8 MiB parts: radosgw holds a three-part object");

        // The object is in radosgw's bucket, under the same key.
        using (var direct = fixture.Server.Client(fixture.StoreBucket))
        {
            (await direct.GetObjectMetadataAsync(fixture.StoreBucket, key)).ContentLength.Should().Be(data.Length);
        }

        (exit, output) = await _s3.AwsAsync(_s3.All, "s3", "cp", $"s3://{B}/{key}", file + ".back", "--only-show-errors");
        exit.Should().Be(0, output);
        (await File.ReadAllBytesAsync(file + ".back")).Should().Equal(data);
    }

    [Fact]
    public async Task Boto3_upload_file_and_download_file_round_trip_through_radosgw()
    {
        const string script = """
            import os, sys, boto3
            from boto3.s3.transfer import TransferConfig
            s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"])
            src, key = sys.argv[1], sys.argv[2]
            s3.upload_file(src, os.environ["S3_BUCKET"], key, Config=TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20))
            print("ETAG", s3.head_object(Bucket=os.environ["S3_BUCKET"], Key=key)["ETag"])
            s3.download_file(os.environ["S3_BUCKET"], key, src + ".back")
            """;
        var data = RandomBytes(13 * MiB + 17);
        var file = Path.Combine(_s3.Root, $"rgw-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, data);

        var (exit, output) = await ProcessRunner.RunAsync("python3", ["-c", script, file, $"rgw/boto3/{Guid.NewGuid():N}.bin"],
            _s3.Root, _s3.ClientEnvironment(_s3.All), TimeSpan.FromMinutes(3));

        exit.Should().Be(0, output);
        output.Should().Contain("-3\"");
        (await File.ReadAllBytesAsync(file + ".back")).Should().Equal(data);
    }

    [Fact]
    public async Task Rclone_copy_then_check_finds_every_file_identical_through_radosgw()
    {
        var source = Directory.CreateDirectory(Path.Combine(_s3.Root, $"rgw-tree-{Guid.NewGuid():N}")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(source, "small.txt"), "hello radosgw"u8.ToArray());
        await File.WriteAllBytesAsync(Path.Combine(source, "big.bin"), RandomBytes(11 * MiB));
        var target = $"gw:{B}/rgw/rclone/{Guid.NewGuid():N}";

        var (exit, output) = await _s3.RcloneAsync("copy", source, target, "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M");
        exit.Should().Be(0, output);
        (exit, output) = await _s3.RcloneAsync("check", source, target);
        exit.Should().Be(0, output);
        output.Should().Contain("0 differences found");
    }

    [Fact]
    public async Task A_wrong_secret_a_key_outside_the_prefix_and_unequal_parts_are_refused_before_or_at_radosgw()
    {
        var file = Path.Combine(_s3.Root, $"rgw-r-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "refused");
        var (exit, output) = await _s3.AwsWithSecretAsync(_s3.All, "not-the-secret-0000000000000000000000000", "s3api", "put-object",
            "--bucket", B, "--key", "rgw/wrong", "--body", file);
        exit.Should().NotBe(0);
        output.Should().Contain("SignatureDoesNotMatch");
        (exit, output) = await _s3.AwsAsync(_s3.Scoped, "s3api", "put-object", "--bucket", B, "--key", "rgw/elsewhere", "--body", file);
        exit.Should().NotBe(0);
        output.Should().Contain("AccessDenied");

        var key = $"rgw/mpu/{Guid.NewGuid():N}";
        (exit, output) = await _s3.AwsAsync(_s3.All, "s3api", "create-multipart-upload", "--bucket", B, "--key", key);
        exit.Should().Be(0, output);
        var upload = System.Text.Json.Nodes.JsonNode.Parse(output[output.IndexOf('{')..])!["UploadId"]!.GetValue<string>();
        var etags = new List<string>();
        foreach (var (n, size) in new[] { (1, 6 * MiB), (2, 5 * MiB), (3, 1) })
        {
            var part = Path.Combine(_s3.Root, $"rgw-part-{Guid.NewGuid():N}");
            await File.WriteAllBytesAsync(part, RandomBytes(size));
            (exit, output) = await _s3.AwsAsync(_s3.All, "s3api", "upload-part", "--bucket", B, "--key", key, "--upload-id", upload, "--part-number", $"{n}", "--body", part);
            exit.Should().Be(0, output);
            etags.Add(System.Text.Json.Nodes.JsonNode.Parse(output[output.IndexOf('{')..])!["ETag"]!.GetValue<string>());
        }

        var layout = "{\"Parts\":[" + string.Join(",", etags.Select((e, i) => $"{{\"PartNumber\":{i + 1},\"ETag\":{System.Text.Json.JsonSerializer.Serialize(e)}}}")) + "]}";
        (exit, output) = await _s3.AwsAsync(_s3.All, "s3api", "complete-multipart-upload", "--bucket", B, "--key", key, "--upload-id", upload, "--multipart-upload", layout);
        exit.Should().NotBe(0, "radosgw would accept these parts; R2 and the gateway do not");
        output.Should().Contain("InvalidPart").And.Contain("same size");
        (exit, output) = await _s3.AwsAsync(_s3.All, "s3api", "head-object", "--bucket", B, "--key", key);
        exit.Should().NotBe(0);
        (exit, output) = await _s3.AwsAsync(_s3.All, "s3api", "abort-multipart-upload", "--bucket", B, "--key", key, "--upload-id", upload);
        exit.Should().Be(0, output);
    }
}
