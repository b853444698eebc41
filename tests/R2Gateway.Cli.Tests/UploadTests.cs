using System.Text.Json;
using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.Testing;
using Xunit.Abstractions;

namespace R2Gateway.Cli.Tests;

/// <summary>r2gw upload against a real gateway: parts in parallel, single puts, verified etags.</summary>
public sealed class UploadTests(CliGateway gateway, ITestOutputHelper output) : IClassFixture<CliGateway>
{
    [Fact]
    public async Task A_64_MiB_file_goes_up_in_8_MiB_parts_4_at_a_time_and_reads_back_byte_exact_with_the_etag_the_cli_reported()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "big.bin", 64 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("big.bin");

        var run = await gateway.RunAsync("upload", file, key, "--part-size", "8MiB", "--concurrency", "4", "--content-type", "video/mp4", "--json");

        run.ExitCode.Should().Be(0, run.ToString());
        var result = run.Json;
        result.GetProperty("parts").GetInt32().Should().Be(8);
        result.GetProperty("verified").GetBoolean().Should().BeTrue();
        var (bytes, etag) = await gateway.GetAsync(key);
        var original = await File.ReadAllBytesAsync(file);
        bytes.AsSpan().SequenceEqual(original).Should().BeTrue("the object is the file, byte for byte");
        result.GetProperty("etag").GetString().Should().Be(etag).And.EndWith("-8");
        using (var head = await gateway.Api.GetAsync(key, r => r.Method = HttpMethod.Head))
        {
            head.Content.Headers.ContentType!.MediaType.Should().Be("video/mp4", "metadata sent with mpu-create stays with the object");
        }

        gateway.Recorder.MaxConcurrentParts.Should().BeInRange(2, 4, "parts go up in parallel, never more than --concurrency");
        output.WriteLine($"64 MiB in {result.GetProperty("seconds")} s: {result.GetProperty("bytesPerSecond").GetInt64() / GatewayApi.MiB} MiB/s");
    }

    [Fact]
    public async Task A_file_up_to_the_threshold_goes_up_in_one_put_whose_etag_is_its_md5()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "small.bin", 3 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("small.bin");

        var run = await gateway.RunAsync("upload", file, key, "--json", "--content-type", "image/png");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("etag").GetString().Should().Be(GatewayApi.Md5Hex(await File.ReadAllBytesAsync(file)));
        run.Json.TryGetProperty("uploadId", out _).Should().BeFalse("a single put has no upload id");
        using var head = await gateway.Api.GetAsync(key, r => r.Method = HttpMethod.Head);
        head.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
    }

    [Fact]
    public async Task The_key_defaults_to_the_file_name_and_the_human_summary_says_what_was_verified()
    {
        using var dir = new TempDir();
        var name = $"{Guid.NewGuid():N}.txt";
        var file = CliGateway.RandomFile(dir.Path, name, 1000);

        var run = await gateway.RunAsync("upload", file);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain($"uploaded {name} to {name}: 1000 B in one request").And.Contain("verified");
        (await gateway.GetAsync(name)).Bytes.Should().Equal(await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task An_empty_file_becomes_an_empty_object()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "empty", 0);
        var key = GatewayApi.UniqueKey("empty");

        var run = await gateway.RunAsync("upload", file, key, "--json");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("etag").GetString().Should().Be("d41d8cd98f00b204e9800998ecf8427e");
        (await gateway.GetAsync(key)).Bytes.Should().BeEmpty();
    }

    [Fact]
    public async Task Json_output_of_every_command_parses()
    {
        using var dir = new TempDir();
        var prefix = GatewayApi.UniqueKey("");
        var file = CliGateway.RandomFile(dir.Path, "a.bin", 20 * GatewayApi.MiB);

        var runs = new List<CliRun>
        {
            await gateway.RunAsync("upload", file, prefix + "a.bin", "--part-size", "5MiB", "--json"),
            await gateway.RunAsync("ls", prefix, "--json"),
            await gateway.RunAsync("download", prefix + "a.bin", Path.Combine(dir.Path, "back.bin"), "--json"),
            await gateway.RunAsync("presign", prefix + "a.bin", "--method", "GET", "--expires", "10m", "--json"),
            await gateway.RunAsync("rm", prefix + "a.bin", "--json"),
            await gateway.RunAsync("abort", prefix + "a.bin", "no-such-upload", "--json"),
            await gateway.RunAsync("download", prefix + "a.bin", Path.Combine(dir.Path, "gone.bin"), "--json"),
        };

        foreach (var run in runs)
        {
            var parse = () => JsonDocument.Parse(run.Stdout);
            parse.Should().NotThrow(run.ToString());
        }

        runs[1].Json.GetProperty("objects")[0].GetProperty("key").GetString().Should().Be(prefix + "a.bin");
        runs[3].Json.GetProperty("url").GetString().Should().StartWith("http");
        runs[5].ExitCode.Should().Be(0, "abort is idempotent: an upload that is not in progress is aborted already");
        runs[6].ExitCode.Should().Be(1);
        runs[6].Json.GetProperty("error").GetProperty("message").GetString().Should().Contain("gateway answered 404");
    }

    [Fact]
    public async Task A_gateway_error_is_one_line_with_its_status_code_and_detail_and_exit_code_1()
    {
        using var dir = new TempDir();
        var run = await gateway.RunAsync("upload", CliGateway.RandomFile(dir.Path, "f.bin", 10), "some/key", "--resume", "not-an-upload");

        run.ExitCode.Should().Be(1);
        run.Stderr.TrimEnd().Split('\n').Should().ContainSingle()
            .Which.Should().StartWith("r2gw: error: gateway answered 404 NoSuchUpload: ").And.Contain("action=mpu-listparts").And.NotContain("not-an-upload");
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_local_file_errors_exit_4()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "f.bin", 10);

        (await gateway.RunAsync("upload", file, "k", "--part-size", "1MiB")).ExitCode.Should().Be(2);
        (await gateway.RunAsync("upload", file, "k", "--concurrency", "0")).ExitCode.Should().Be(2);
        (await gateway.RunAsync("upload", file, "k", "--resume")).Should().Match<CliRun>(r => r.ExitCode == 2 && r.Stderr.Contains("nothing to resume"));
        (await gateway.RunAsync("presign", "k", "--method", "POST")).ExitCode.Should().Be(2);
        (await gateway.RunAsync("frobnicate")).ExitCode.Should().Be(2);
        var missing = await gateway.RunAsync("upload", Path.Combine(dir.Path, "absent.bin"), "k");
        missing.ExitCode.Should().Be(4, missing.ToString());
    }

    [Fact]
    public async Task An_unreachable_gateway_is_named_in_the_error_after_the_retries()
    {
        using var stderr = new StringWriter();

        var exitCode = await CliApp.RunAsync(["ls", "--endpoint", "http://127.0.0.1:9", "--retries", "1"], new StringWriter(), stderr, default);

        exitCode.Should().Be(1);
        stderr.ToString().Should().Contain("attempt 1 failed").And.Contain("r2gw: error: cannot reach the gateway at http://127.0.0.1:9/");
    }
}
