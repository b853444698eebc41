using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.Testing;

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

/// <summary>The complete's answer lost on the way (the test-only switch drops the first one after it ran).</summary>
public sealed class LostCompleteAnswerTests : IDisposable
{
    private readonly CliGateway _gateway = CliGateway.LosingFirstCompleteAnswer();
    private readonly TempDir _dir = new();

    [Fact]
    public async Task A_complete_whose_answer_was_lost_is_confirmed_by_the_objects_etag()
    {
        var file = CliGateway.RandomFile(_dir.Path, "f.bin", 12 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("f.bin");

        var run = await _gateway.RunAsync("upload", file, key, "--part-size", "5MiB", "--multipart-threshold", "5MiB");

        run.ExitCode.Should().Be(0, run.ToString());
        _gateway.Requests.Where(r => r.Action == "mpu-complete").Select(r => r.Status).Should().Equal([200, 404], "the first complete ran but its answer was dropped; the retry found the upload gone");
        _gateway.Requests.Should().Contain(r => r.Method == "HEAD", "r2gw checked the object");
        run.Stderr.Should().Contain("completed already");
        var (bytes, _) = await _gateway.GetAsync(key);
        GatewayApi.Md5Hex(bytes).Should().Be(GatewayApi.Md5Hex(await File.ReadAllBytesAsync(file)));
    }

    [Fact]
    public async Task A_lost_complete_answer_with_another_object_in_its_place_is_an_error()
    {
        var file = CliGateway.RandomFile(_dir.Path, "f.bin", 12 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("f.bin");
        // Someone else's object lands on the key between our lost complete and its retry: the etag check must refuse it.
        var completes = 0;
        _gateway.Recorder.BeforeRequest = action =>
            action == "mpu-complete" && Interlocked.Increment(ref completes) == 2 ? _gateway.Api.PutOkAsync(key, GatewayApi.RandomBytes(100)) : Task.CompletedTask;

        var run = await _gateway.RunAsync("upload", file, key, "--part-size", "5MiB", "--multipart-threshold", "5MiB");

        run.ExitCode.Should().Be(1, run.ToString());
        run.Stderr.Should().Contain("404 NoSuchUpload");
    }

    public void Dispose()
    {
        _gateway.Dispose();
        _dir.Dispose();
    }
}
