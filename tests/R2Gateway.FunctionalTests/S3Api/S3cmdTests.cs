using System.Globalization;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>s3cmd (Debian's package) against the gateway's S3 endpoint, configured as the README shows.</summary>
[Trait("Needs", "Clients")]
public sealed class S3cmdTests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    private const string B = S3GatewayFixture.Bucket;

    [Fact]
    public async Task Put_multipart_ls_get_and_del_round_trip()
    {
        var dir = $"s3cmd/{Guid.NewGuid():N}/";
        var small = Path.Combine(s3.Root, $"small-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(small, "hello s3cmd");
        var big = Path.Combine(s3.Root, $"big-{Guid.NewGuid():N}.bin");
        var data = RandomBytes(12 * MiB + 3);
        await File.WriteAllBytesAsync(big, data);

        var (exit, output) = await S3cmdAsync(s3.All, "put", small, $"s3://{B}/{dir}small.txt");
        exit.Should().Be(0, output);
        (exit, output) = await S3cmdAsync(s3.All, "put", "--multipart-chunk-size-mb=5", big, $"s3://{B}/{dir}big.bin");
        exit.Should().Be(0, output);
        (exit, output) = await s3.AwsAsync(s3.All, "s3api", "head-object", "--bucket", B, "--key", dir + "big.bin");
        exit.Should().Be(0, output);
        output.Should().Contain("-3\\\"", "s3cmd uploaded it in three 5 MiB parts: a multipart object");

        (exit, output) = await S3cmdAsync(s3.All, "ls", $"s3://{B}/{dir}");
        exit.Should().Be(0, output);
        output.Should().Contain($"s3://{B}/{dir}small.txt").And.Contain($"s3://{B}/{dir}big.bin")
            .And.Contain(data.Length.ToString(CultureInfo.InvariantCulture));

        var back = big + ".back";
        (exit, output) = await S3cmdAsync(s3.All, "get", $"s3://{B}/{dir}big.bin", back);
        exit.Should().Be(0, output);
        (await File.ReadAllBytesAsync(back)).Should().Equal(data);

        (exit, output) = await S3cmdAsync(s3.All, "del", $"s3://{B}/{dir}small.txt", $"s3://{B}/{dir}big.bin");
        exit.Should().Be(0, output);
        (exit, output) = await S3cmdAsync(s3.All, "ls", $"s3://{B}/{dir}");
        exit.Should().Be(0, output);
        output.Should().NotContain(dir);
    }

    [Fact]
    public async Task A_wrong_secret_and_a_key_outside_the_prefix_are_refused()
    {
        var file = Path.Combine(s3.Root, $"r-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, "refused");
        var (exit, output) = await S3cmdAsync((s3.All.AccessKeyId, "not-the-secret-0000000000000000000000000"), "put", file, $"s3://{B}/s3cmd/wrong.txt");
        exit.Should().NotBe(0);
        output.Should().Contain("SignatureDoesNotMatch");

        (exit, output) = await S3cmdAsync(s3.Scoped, "put", file, $"s3://{B}/elsewhere/s3cmd.txt");
        exit.Should().NotBe(0);
        output.Should().Contain("AccessDenied");
        (exit, output) = await S3cmdAsync(s3.Scoped, "put", file, $"s3://{B}/allowed/s3cmd.txt");
        exit.Should().Be(0, output);
    }

    /// <summary>s3cmd reads only its config file: path-style (host_bucket without %(bucket)s), http, SigV4.</summary>
    private async Task<(int ExitCode, string Output)> S3cmdAsync((string AccessKeyId, string Secret) key, params string[] args)
    {
        var endpoint = new Uri(s3.Endpoint);
        var config = Path.Combine(s3.Root, $"s3cmd-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(config, $"""
            [default]
            access_key = {key.AccessKeyId}
            secret_key = {key.Secret}
            host_base = {endpoint.Authority}
            host_bucket = {endpoint.Authority}
            use_https = False
            signature_v2 = False
            bucket_location = auto
            """);
        try
        {
            return await ProcessRunner.RunAsync("s3cmd", ["-c", config, .. args], s3.Root, new Dictionary<string, string> { ["HOME"] = s3.Root }, TimeSpan.FromMinutes(3));
        }
        finally
        {
            File.Delete(config);
        }
    }
}
