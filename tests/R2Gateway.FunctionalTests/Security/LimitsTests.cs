using System.Net;
using System.Text;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Security;

/// <summary>Abuse limits: request rate and concurrent uploads per client (429 with Retry-After),
/// the largest object, and clients that stall mid-body.</summary>
public sealed class LimitsTests : IDisposable
{
    private readonly TempDir _root = new();
    private readonly List<FileSystemGateway> _gateways = [];

    public void Dispose()
    {
        foreach (var gateway in _gateways)
        {
            gateway.Dispose();
        }

        _root.Dispose();
    }

    private GatewayApi Start(Dictionary<string, string?> settings) => new(StartGateway(settings).Client);

    private FileSystemGateway StartGateway(Dictionary<string, string?> settings)
    {
        var gateway = FileSystemGateway.OnRoot(_root.Path, settings);
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>Starts a PUT that declares a long body and sends only a little of it.</summary>
    private static Task<PartialRequest> StartSlowPutAsync(HttpClient http, string url) => PartialRequest.StartAsync(http, "PUT", url, 8 * MiB, 10);

    [Fact]
    public async Task Too_many_requests_get_429_with_Retry_After_and_health_checks_are_never_limited()
    {
        var api = Start(new() { ["Limits:RequestsPerWindow"] = "5", ["Limits:Window"] = "00:01:00" });
        for (var i = 0; i < 5; i++)
        {
            (await api.GetAsync("missing")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        using var limited = await api.GetAsync("missing");
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "SlowDown");
        limited.Headers.RetryAfter!.Delta!.Value.Should().BePositive();
        (await api.Http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("6000")]
    [InlineData("0")] // no request limit: the rate limiter asks nothing per request, but uploads stay limited
    public async Task Uploads_beyond_the_concurrency_limit_get_429_until_one_finishes(string requestsPerWindow)
    {
        var gateway = StartGateway(new() { ["Limits:ConcurrentUploadsPerToken"] = "1", ["Limits:RequestsPerWindow"] = requestsPerWindow });
        var api = new GatewayApi(gateway.Client);
        var server = gateway.Signals;
        var slow = await StartSlowPutAsync(api.Http, Url("slow", "put"));
        await server.UntilLeasesHeld(n => n == 1, "the slow put holds the one upload slot");

        using (var second = await api.PutAsync("second", [1, 2, 3]))
        {
            await second.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "SlowDown");
            second.Headers.RetryAfter.Should().NotBeNull();
        }

        slow.Reset();
        await server.UntilLeasesHeld(n => n == 0, "the dropped put gave its slot back");
        using var retry = await api.PutAsync("second", [1, 2, 3]);
        retry.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_stalled_client_is_dropped_after_the_body_timeout_while_others_keep_uploading()
    {
        var api = Start(new() { ["Limits:MinBodyBytesPerSecond"] = "10000", ["Limits:BodyGracePeriod"] = "00:00:02" });
        using var stalled = await StartSlowPutAsync(api.Http, Url("stalled", "put"));
        var started = DateTime.UtcNow;

        var data = RandomBytes(MiB);
        await api.PutOkAsync("healthy", data);

        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var answer = new StringBuilder();
        try
        {
            int read;
            while ((read = await stalled.Stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // reset by the server: dropped
        }

        timeout.IsCancellationRequested.Should().BeFalse("the server drops the stalled client by itself");
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(15));
        answer.ToString().Should().NotContain("200 OK");
        (await api.GetBytesAsync("stalled")).Should().BeNull();
        (await api.GetBytesAsync("healthy")).Should().Equal(data);
    }

    [Fact]
    public async Task Objects_over_the_maximum_size_are_refused_whole()
    {
        var api = Start(new() { ["Storage:MaxObjectSize"] = (6 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture) });

        await (await api.PutAsync("too-big", RandomBytes(6 * MiB + 1))).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "EntityTooLarge");
        var uploadId = await api.CreateAsync("too-big-mpu");
        var e1 = await api.UploadPartOkAsync("too-big-mpu", uploadId, 1, RandomBytes(5 * MiB));
        var e2 = await api.UploadPartOkAsync("too-big-mpu", uploadId, 2, RandomBytes(MiB + 1));
        await (await api.CompleteAsync("too-big-mpu", uploadId, [(1, e1), (2, e2)])).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "EntityTooLarge");

        (await api.GetBytesAsync("too-big")).Should().BeNull();
        (await api.GetBytesAsync("too-big-mpu")).Should().BeNull();
        await api.PutOkAsync("fits", RandomBytes(6 * MiB));
    }
}
