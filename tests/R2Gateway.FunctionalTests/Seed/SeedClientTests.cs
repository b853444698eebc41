using System.Net;
using System.Security.Cryptography;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.Seed;

/// <summary>The Worker example's own Python client, run against the gateway.</summary>
[Trait("Needs", "Clients")]
public sealed class SeedClientTests(FileSystemGateway gateway) : IClassFixture<FileSystemGateway>
{
    private const string PublishedEndpoint = "worker_endpoint = \"https://myworker.myzone.workers.dev/\"";

    [Fact]
    public async Task The_Workers_python_client_uploads_25_MiB_in_10_MiB_parts_and_it_reads_back_exactly()
    {
        using var dir = new TempDir();
        var script = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Seed", "mpuscript.py"));
        script.Should().Contain(PublishedEndpoint, "the script is the published one, with only its endpoint changed");
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "mpuscript.py"),
            script.Replace(PublishedEndpoint, $"worker_endpoint = \"{gateway.BaseAddress}\"", StringComparison.Ordinal));
        var data = RandomNumberGenerator.GetBytes(25 * GatewayApi.MiB);
        await File.WriteAllBytesAsync(Path.Combine(dir.Path, "seed-upload.bin"), data);

        var (exitCode, output) = await ProcessRunner.RunAsync("python3", ["mpuscript.py", "seed-upload.bin"], dir.Path);

        exitCode.Should().Be(0, output);
        output.Should().Contain("successfully completed multipart upload");
        using var get = await new GatewayApi(gateway.Client).GetAsync("seed-upload.bin");
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        (await get.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        const int part = 10 * GatewayApi.MiB;
        var expected = R2Gateway.Storage.Etags.Multipart([
            GatewayApi.Md5Hex(data[..part]), GatewayApi.Md5Hex(data[part..(2 * part)]), GatewayApi.Md5Hex(data[(2 * part)..])]);
        get.Headers.ETag!.Tag.Should().Be($"\"{expected}\"");
    }
}
