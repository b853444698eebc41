using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>The real boto3 against the gateway's S3 endpoint (s3_boto3.py holds the client's side).</summary>
[Trait("Needs", "Clients")]
public sealed class Boto3Tests(S3GatewayFixture s3) : IClassFixture<S3GatewayFixture>
{
    [Fact]
    public async Task Upload_file_download_file_presigned_urls_and_checksum_trailers_work()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "S3Api", "s3_boto3.py");
        var (exit, output) = await ProcessRunner.RunAsync("python3", [script, s3.Root], s3.Root, s3.ClientEnvironment(s3.All), TimeSpan.FromMinutes(3));
        exit.Should().Be(0, output);
        output.Should().Contain("OK");
    }
}
