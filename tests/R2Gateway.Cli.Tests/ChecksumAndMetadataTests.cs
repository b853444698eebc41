using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text.Json;
using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.Cli.Transfers;
using R2Gateway.Testing;

namespace R2Gateway.Cli.Tests;

/// <summary>r2gw upload --checksum and --meta, and r2gw stat, against a real gateway. Expected values
/// come straight from SHA256 and System.IO.Hashing, not from the code under test.</summary>
public sealed class ChecksumAndMetadataTests(CliGateway gateway) : IClassFixture<CliGateway>
{
    private static string Crc64NvmeHex(ReadOnlySpan<byte> data) =>
        Crc64.HashToUInt64(Crc64ParameterSet.Nvme, data).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_put_with_checksum_sha256_is_stored_with_it_and_the_outcome_shows_it()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "a.bin", 2 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("a.bin");

        var run = await gateway.RunAsync(["upload", file, key, "--checksum", "sha256", "--json"]);

        run.ExitCode.Should().Be(0, run.ToString());
        var sha256 = SHA256.HashData(await File.ReadAllBytesAsync(file));
        run.Json.GetProperty("checksums").GetProperty("sha256").GetString().Should().Be(Convert.ToHexStringLower(sha256));
        using var head = await gateway.Api.GetAsync(key, r => r.Method = HttpMethod.Head);
        head.Headers.GetValues("x-amz-checksum-sha256").Should().Equal(Convert.ToBase64String(sha256));
    }

    [Fact]
    public async Task A_multipart_upload_with_sha256_gets_the_composite_of_its_part_hashes()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "m.bin", 12 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("m.bin");

        var run = await gateway.RunAsync(["upload", file, key, "--checksum", "sha256", "--part-size", "5MiB", "--multipart-threshold", "5MiB", "--json"]);

        run.ExitCode.Should().Be(0, run.ToString());
        var bytes = await File.ReadAllBytesAsync(file);
        byte[] partHashes = [.. SHA256.HashData(bytes[..(5 * GatewayApi.MiB)]), .. SHA256.HashData(bytes[(5 * GatewayApi.MiB)..(10 * GatewayApi.MiB)]), .. SHA256.HashData(bytes[(10 * GatewayApi.MiB)..])];
        run.Json.GetProperty("checksums").GetProperty("sha256").GetString().Should().Be($"{Convert.ToHexStringLower(SHA256.HashData(partHashes))}-3");
    }

    [Fact]
    public async Task By_default_a_multipart_upload_gets_the_full_object_crc64nvme()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "d.bin", 11 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("d.bin");

        var run = await gateway.RunAsync(["upload", file, key, "--part-size", "5MiB", "--multipart-threshold", "5MiB", "--concurrency", "3", "--json"]);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("parts").GetInt32().Should().Be(3);
        var expected = Crc64NvmeHex(await File.ReadAllBytesAsync(file));
        run.Json.GetProperty("checksums").GetProperty("crc64nvme").GetString().Should().Be(expected);
    }

    [Fact]
    public async Task Checksum_none_sends_no_checksum()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "n.bin", 1000);
        var key = GatewayApi.UniqueKey("n.bin");

        var run = await gateway.RunAsync(["upload", file, key, "--checksum", "none", "--json"]);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("checksums").EnumerateObject().Select(p => p.Name).Should().Equal("md5");
    }

    [Fact]
    public async Task An_unknown_checksum_is_a_usage_error()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "u.bin", 10);
        var run = await gateway.RunAsync(["upload", file, "--checksum", "md4"]);
        run.ExitCode.Should().Be(2, run.ToString());
        run.Stderr.Should().Contain("--checksum");
    }

    [Fact]
    public async Task Meta_sets_custom_metadata_that_stat_shows_unicode_included()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "meta.bin", 1000);
        var key = GatewayApi.UniqueKey("meta.bin");

        var upload = await gateway.RunAsync(["upload", file, key, "--meta", "Owner=alice", "--meta", "title=Zoë — 日本語", "--content-type", "text/plain"]);
        upload.ExitCode.Should().Be(0, upload.ToString());

        using (var head = await gateway.Api.GetAsync(key, r => r.Method = HttpMethod.Head))
        {
            head.Headers.GetValues("x-amz-meta-owner").Should().Equal("alice");
        }

        var stat = await gateway.RunAsync(["stat", key, "--json"]);
        stat.ExitCode.Should().Be(0, stat.ToString());
        stat.Json.GetProperty("customMetadata").GetProperty("title").GetString().Should().Be("Zoë — 日本語");
        stat.Json.GetProperty("customMetadata").GetProperty("owner").GetString().Should().Be("alice");
        stat.Json.GetProperty("httpMetadata").GetProperty("contentType").GetString().Should().Be("text/plain");
        stat.Json.GetProperty("checksums").GetProperty("crc64nvme").GetString().Should().Be(Crc64NvmeHex(await File.ReadAllBytesAsync(file)));

        var human = await gateway.RunAsync(["stat", key]);
        human.Stdout.Should().Contain("meta title: Zoë — 日本語").And.Contain("checksum md5: ");
    }

    [Fact]
    public async Task Meta_without_a_name_is_a_usage_error()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "x.bin", 10);
        var run = await gateway.RunAsync(["upload", file, "--meta", "=oops"]);
        run.ExitCode.Should().Be(2, run.ToString());
    }

    [Fact]
    public async Task Stat_of_a_missing_key_fails_with_exit_1()
    {
        var run = await gateway.RunAsync(["stat", GatewayApi.UniqueKey()]);
        run.ExitCode.Should().Be(1, run.ToString());
    }
}
