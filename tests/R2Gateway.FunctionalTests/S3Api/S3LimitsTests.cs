using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>The Worker API's per-token limits apply to the S3 endpoint, from the same budget, answered as
/// S3 and R2 answer them (503 SlowDown with Retry-After); boto3 with retries off sees each answer.</summary>
[Trait("Needs", "Clients")]
public sealed class S3LimitsTests
{
    private static async Task<S3GatewayFixture> StartAsync(Dictionary<string, string?> limits)
    {
        var s3 = new S3GatewayFixture { ExtraSettings = limits };
        await s3.InitializeAsync();
        s3.Gateway.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", s3.AllBearer);
        return s3;
    }

    /// <summary>Each line: status, S3 error code (OK on success), Retry-After ("-" when absent).</summary>
    private static async Task<string[][]> Boto3Async(S3GatewayFixture s3, (string, string) key, params string[] operations)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "S3Api", "s3_status.py");
        var (exit, output) = await ProcessRunner.RunAsync("python3", [script, .. operations], s3.Root, s3.ClientEnvironment(key), TimeSpan.FromMinutes(2));
        exit.Should().Be(0, output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split(' ')).ToArray();
    }

    [Fact]
    public async Task Requests_over_the_tokens_rate_are_SlowDown_503_with_Retry_After_counted_with_the_Worker_API()
    {
        using var s3 = await StartAsync(new() { ["Limits:RequestsPerWindow"] = "4", ["Limits:Window"] = "00:30:00" });
        var api = new GatewayApi(s3.Gateway.Client);
        (await api.GetAsync("missing")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await api.GetAsync("missing")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var answers = await Boto3Async(s3, s3.All, "put:limits/a", "put:limits/b", "put:limits/c");

        answers.Select(a => a[1]).Should().Equal("OK", "OK", "SlowDown");
        answers[2][0].Should().Be("503");
        int.Parse(answers[2][2], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(1, 1800, "the window is 30 minutes");
        using var workerApi = await api.GetAsync("missing");
        await workerApi.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "SlowDown");
        (await s3.Gateway.Client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "health checks are never limited");
        (await Boto3Async(s3, s3.Scoped, "put:allowed/limits"))[0][1].Should().Be("OK", "another token has its own budget");
        (await Boto3Async(s3, s3.All, "head:limits/b"))[0][0].Should().Be("503", "the token's budget stays spent for the window");
    }

    [Fact]
    public async Task An_upload_beyond_the_tokens_concurrent_uploads_is_SlowDown_until_the_one_in_flight_ends()
    {
        // A long grace period: on a busy machine the boto3 runs below take longer than the default 10 s
        // after which Kestrel would cut the slow body off (and free the slot).
        using var s3 = await StartAsync(new() { ["Limits:ConcurrentUploadsPerToken"] = "1", ["Limits:BodyGracePeriod"] = "00:10:00" });

        (await new GatewayApi(s3.Gateway.Client).GetAsync("warm-up")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // A Worker API put that has sent 10 bytes of 8 MiB holds the token's one upload slot.
        var server = s3.Gateway.Signals;
        var address = s3.Gateway.Client.BaseAddress!;
        var slow = new TcpClient();
        await slow.ConnectAsync(address.Host, address.Port);
        var stream = slow.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"PUT {Url("limits/slow", "put")} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {s3.AllBearer}\r\nContent-Length: {8 * MiB}\r\n\r\n"));
        await stream.WriteAsync(new byte[10]);
        await stream.FlushAsync();
        await server.UntilLeasesHeld(n => n == 1, "the slow put holds the token's one upload slot");
        var early = new byte[4096];
        (slow.Available > 0 ? Encoding.ASCII.GetString(early, 0, stream.Read(early)) : "").Should().BeEmpty("the slow put is still in flight");

        // The put reaches its handler a moment after its bytes, on a busy machine later still.
        string[][] answers = [];
        for (var i = 0; i < 10 && answers is not [["503", ..], ..]; i++)
        {
            answers = await Boto3Async(s3, s3.All, $"put:limits/second-{i}", $"head:limits/second-{i}");
        }

        answers[0].Should().Equal("503", "SlowDown", answers[0][2]);
        int.Parse(answers[0][2], System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
        answers[1][0].Should().Be("404", "nothing was stored, and reads are not uploads");
        (await Boto3Async(s3, s3.Scoped, "put:allowed/other"))[0][1].Should().Be("OK", "another token has its own slots");

        slow.Client.LingerState = new LingerOption(true, 0);
        slow.Dispose(); // a reset, as a client that gave up
        await server.UntilLeasesHeld(n => n == 0, "the gateway noticed the dropped connection and released the slot");
        (await Boto3Async(s3, s3.All, "put:limits/second"))[0][1].Should().Be("OK");
    }
}
