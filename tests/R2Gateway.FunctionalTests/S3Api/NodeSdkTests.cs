using System.Text.Json.Nodes;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>The AWS SDK for JavaScript v3 from npm (@aws-sdk/client-s3 and @aws-sdk/lib-storage, pinned in
/// node/package-lock.json, installed by scripts/install-test-deps.sh) against the gateway's S3 endpoint.</summary>
[Trait("Needs", "Clients")]
public sealed class NodeSdkTests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    [Fact]
    public async Task Lib_storage_Upload_sends_parts_four_at_a_time_and_GetObject_returns_the_bytes()
    {
        var dir = Path.Combine(ProcessRunner.RepositoryRoot, "tests", "R2Gateway.FunctionalTests", "S3Api", "node");
        Directory.Exists(Path.Combine(dir, "node_modules", "@aws-sdk", "lib-storage")).Should().BeTrue("scripts/install-test-deps.sh installs the SDK (npm ci in {0})", dir);

        var (exit, output) = await ProcessRunner.RunAsync("node", [Path.Combine(dir, "upload.mjs")], dir, s3.ClientEnvironment(s3.All), TimeSpan.FromMinutes(3));

        exit.Should().Be(0, output);
        var result = JsonNode.Parse(output.Split('\n').Single(l => l.StartsWith('{')))!.AsObject();
        ((int)result["parts"]!).Should().Be(5);
        ((string)result["etag"]!).Should().EndWith("-5\"", "the gateway made a multipart object of the five parts");
        ((long)result["size"]!).Should().Be((23 * GatewayApi.MiB) + 7);
        ((bool)result["sameBytes"]!).Should().BeTrue();
        ((long)result["headLength"]!).Should().Be((23 * GatewayApi.MiB) + 7);
    }
}
