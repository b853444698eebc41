using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.Testing;

namespace R2Gateway.Cli.Tests;

/// <summary>r2gw against a gateway with access control: --token (or R2GW_TOKEN) is the key.</summary>
public sealed class TokenTests : IDisposable
{
    private const string Token = "r2gw_cli-test-token-0123456789abcdefghijklmn";
    private readonly CliGateway _gateway = CliGateway.WithToken(Token);

    public void Dispose() => _gateway.Dispose();

    [Fact]
    public async Task With_the_token_uploads_and_lists_work_and_without_it_the_gateways_401_is_reported()
    {
        using var dir = new TempDir();
        var file = CliGateway.RandomFile(dir.Path, "secured.bin", 12 * GatewayApi.MiB);

        var refused = await _gateway.RunAsync("upload", file, "secured.bin", "--quiet", "--retries", "0");
        refused.ExitCode.Should().Be(1, refused.ToString());
        refused.Stderr.Should().Contain("401").And.NotContain(Token);

        var upload = await _gateway.RunAsync("upload", file, "secured.bin", "--token", Token, "--json");
        upload.ExitCode.Should().Be(0, upload.ToString());
        upload.Json.GetProperty("verified").GetBoolean().Should().BeTrue();
        var listing = await _gateway.RunAsync("ls", "--token", Token, "--json");
        listing.ExitCode.Should().Be(0, listing.ToString());
        listing.Stdout.Should().Contain("secured.bin");
    }
}
