using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.Cli.Transfers;
using R2Gateway.Testing;

namespace R2Gateway.Cli.Tests;

/// <summary>r2gw download: streamed to a partial file, continued with Range, verified, renamed into place.</summary>
public sealed class DownloadTests(CliGateway gateway) : IClassFixture<CliGateway>, IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task A_download_writes_the_object_byte_exact_and_checks_its_md5()
    {
        var (key, data) = await PutAsync(12 * GatewayApi.MiB);
        var target = Path.Combine(_dir.Path, "out.bin");

        var run = await gateway.RunAsync("download", key, target, "--json");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("md5Verified").GetBoolean().Should().BeTrue();
        run.Json.GetProperty("resumedFrom").GetInt64().Should().Be(0);
        (await File.ReadAllBytesAsync(target)).Should().Equal(data);
        Directory.GetFiles(_dir.Path).Should().Equal([target], "the partial file was renamed into place");
    }

    [Fact]
    public async Task A_multipart_object_downloads_into_a_directory_under_its_keys_last_segment_with_its_size_checked()
    {
        var key = GatewayApi.UniqueKey("multi.bin");
        var data = GatewayApi.RandomBytes(11 * GatewayApi.MiB);
        await gateway.Api.UploadMultipartAsync(key, data, 5 * GatewayApi.MiB);

        var run = await gateway.RunAsync("download", key, _dir.Path);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain("size checked (a multipart etag is not an MD5)");
        (await File.ReadAllBytesAsync(Path.Combine(_dir.Path, "multi.bin"))).Should().Equal(data);
    }

    [Fact]
    public async Task A_partial_download_continues_with_a_range_request_from_where_it_stopped()
    {
        var (key, data) = await PutAsync(12 * GatewayApi.MiB);
        var target = Path.Combine(_dir.Path, "resumed.bin");
        await File.WriteAllBytesAsync(Downloader.PartialPath(target, GatewayApi.Md5Hex(data)), data[..(5 * GatewayApi.MiB)]);

        var run = await gateway.RunAsync("download", key, target, "--json");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("resumedFrom").GetInt64().Should().Be(5 * GatewayApi.MiB);
        run.Json.GetProperty("md5Verified").GetBoolean().Should().BeTrue("the MD5 covers the bytes kept and the bytes fetched");
        (await File.ReadAllBytesAsync(target)).Should().Equal(data);
        Directory.GetFiles(_dir.Path).Should().Equal([target]);
    }

    [Fact]
    public async Task A_partial_file_that_is_not_the_start_of_the_object_fails_verification_with_exit_code_3_and_is_removed()
    {
        var (key, data) = await PutAsync(6 * GatewayApi.MiB);
        var target = Path.Combine(_dir.Path, "bad.bin");
        var partial = Downloader.PartialPath(target, GatewayApi.Md5Hex(data));
        await File.WriteAllBytesAsync(partial, GatewayApi.RandomBytes(GatewayApi.MiB));

        var run = await gateway.RunAsync("download", key, target);

        run.ExitCode.Should().Be(3, run.ToString());
        run.Stderr.Should().Contain("r2gw: error: verification failed: the downloaded bytes have MD5");
        File.Exists(partial).Should().BeFalse();
        File.Exists(target).Should().BeFalse();
        (await gateway.RunAsync("download", key, target)).ExitCode.Should().Be(0, "the next run starts afresh");
        (await File.ReadAllBytesAsync(target)).Should().Equal(data);
    }

    [Fact]
    public async Task A_missing_object_is_a_404_with_exit_code_1_and_no_file()
    {
        var target = Path.Combine(_dir.Path, "absent.bin");

        var run = await gateway.RunAsync("download", GatewayApi.UniqueKey("absent.bin"), target);

        run.ExitCode.Should().Be(1);
        run.Stderr.Should().Contain("gateway answered 404");
        Directory.GetFiles(_dir.Path).Should().BeEmpty();
    }

    public void Dispose() => _dir.Dispose();

    private async Task<(string Key, byte[] Data)> PutAsync(int size)
    {
        var key = GatewayApi.UniqueKey("d.bin");
        var data = GatewayApi.RandomBytes(size);
        await gateway.Api.PutOkAsync(key, data);
        return (key, data);
    }
}
