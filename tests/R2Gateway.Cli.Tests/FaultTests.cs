using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.FunctionalTests.Infrastructure;

namespace R2Gateway.Cli.Tests;

/// <summary>Retries, with the gateway's test-only fault switch failing every third part request.</summary>
public sealed class FaultTests() : OwnGatewayTest(3)
{
    [Fact]
    public async Task A_gateway_failing_every_third_part_request_with_503_still_gets_the_whole_upload()
    {
        var file = CliGateway.RandomFile(Dir.Path, "f.bin", 40 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("f.bin");

        var run = await Gateway.RunAsync("upload", file, key, "--part-size", "5MiB", "--concurrency", "4");

        run.ExitCode.Should().Be(0, run.ToString());
        Gateway.Recorder.Parts(503).Should().NotBeEmpty("the switch failed some part requests");
        Gateway.Recorder.Parts().Select(p => p.PartNumber).Should().BeEquivalentTo(Enumerable.Range(1, 8), "each part went through once");
        run.Stderr.Should().Contain("503 ServiceUnavailable").And.Contain("retrying in");
        var (bytes, _) = await Gateway.GetAsync(key);
        GatewayApi.Md5Hex(bytes).Should().Be(GatewayApi.Md5Hex(await File.ReadAllBytesAsync(file)));
    }

}
