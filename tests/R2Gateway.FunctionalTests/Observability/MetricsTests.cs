using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using R2Gateway.Testing;
using R2Gateway.Security;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Observability;

/// <summary>/metrics, read with the Prometheus project's own text parser (python3-prometheus-client):
/// the gateway's meters after a put, a multipart upload and refused requests; the scrape is never
/// rate limited and needs its token when one is set.</summary>
[Trait("Needs", "Clients")]
public sealed class MetricsTests : IDisposable
{
    private const string OpsToken = "r2gw_ops-token-0123456789abcdefghijklmnopqrstu";
    private const string FloodToken = "r2gw_flood-token-0123456789abcdefghijklmnopqrs";
    private const string ScrapeToken = "metrics-scrape-token-0123456789abcdefghijkl";
    private const int RequestsPerWindow = 20;

    private readonly TempDir _root = new();
    private readonly FileSystemGateway _gateway;

    public MetricsTests()
    {
        _gateway = FileSystemGateway.OnRoot(_root.Path, new Dictionary<string, string?>
        {
            ["Auth:Tokens:0:Name"] = "ops",
            ["Auth:Tokens:0:Hash"] = TokenHash.Of(OpsToken),
            ["Auth:Tokens:0:Prefixes:0"] = "",
            ["Auth:Tokens:0:Can:0"] = "Read",
            ["Auth:Tokens:0:Can:1"] = "Write",
            ["Auth:Tokens:0:Can:2"] = "Delete",
            ["Auth:Tokens:1:Name"] = "flood",
            ["Auth:Tokens:1:Hash"] = TokenHash.Of(FloodToken),
            ["Auth:Tokens:1:Prefixes:0"] = "",
            ["Auth:Tokens:1:Can:0"] = "Read",
            ["Limits:RequestsPerWindow"] = RequestsPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits:Window"] = "01:00:00",
            ["Telemetry:MetricsTokenHash"] = TokenHash.Of(ScrapeToken),
        });
        _gateway.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OpsToken);
    }

    public void Dispose()
    {
        _gateway.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task Metrics_count_a_put_a_multipart_upload_and_refused_requests()
    {
        var api = new GatewayApi(_gateway.Client);
        await api.PutOkAsync(UniqueKey("put"), RandomBytes(1234));
        (await api.GetBytesAsync(await PutSomethingAsync(api, 777))).Should().HaveCount(777);
        var part1 = RandomBytes(5 * MiB);
        var part2 = RandomBytes(100);
        await api.UploadMultipartAsync(UniqueKey("mpu"), [.. part1, .. part2], 5 * MiB);
        var abortedKey = UniqueKey("aborted");
        var aborted = await api.CreateAsync(abortedKey);
        (await _gateway.Client.DeleteAsync(Url(abortedKey, "mpu-abort", $"uploadId={aborted}"))).StatusCode.Should().Be(HttpStatusCode.NoContent);

        using (var anonymous = new HttpRequestMessage(HttpMethod.Put, Url(UniqueKey("refused"), "put")) { Content = new ByteArrayContent([1]) })
        {
            anonymous.Headers.Authorization = null;
            (await SendWithoutDefaultsAsync(anonymous)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        for (var i = 0; ; i++)
        {
            i.Should().BeLessThanOrEqualTo(RequestsPerWindow, "the rate limit refuses request {0}", RequestsPerWindow + 1);
            using var flood = new HttpRequestMessage(HttpMethod.Get, Url("missing", "get"));
            flood.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FloodToken);
            var status = (await SendWithoutDefaultsAsync(flood)).StatusCode;
            if (status == HttpStatusCode.TooManyRequests)
            {
                break;
            }

            status.Should().Be(HttpStatusCode.NotFound);
        }

        var samples = await ScrapeAsync();

        Value(samples, "r2gw_bytes_in_bytes_total", ("r2gw_action", "put")).Should().Be(1234 + 777);
        Value(samples, "r2gw_bytes_in_bytes_total", ("r2gw_action", "mpu-uploadpart")).Should().Be(5 * MiB + 100);
        Value(samples, "r2gw_bytes_out_bytes_total", ("r2gw_action", "get")).Should().Be(777);
        Value(samples, "r2gw_uploads_created_total").Should().Be(2);
        Value(samples, "r2gw_uploads_completed_total").Should().Be(1);
        Value(samples, "r2gw_uploads_aborted_total").Should().Be(1);
        Value(samples, "r2gw_parts_uploaded_total").Should().Be(2);
        Value(samples, "r2gw_requests_refused_total", ("r2gw_reason", "auth"), ("r2gw_action", "put")).Should().Be(1);
        Value(samples, "r2gw_requests_refused_total", ("r2gw_reason", "rate_limit"), ("r2gw_action", "get")).Should().Be(1);
        Value(samples, "r2gw_store_operation_duration_seconds_count", ("r2gw_store", "filesystem"), ("r2gw_store_operation", "put_object")).Should().Be(2);
        Value(samples, "r2gw_store_operation_duration_seconds_count", ("r2gw_store", "filesystem"), ("r2gw_store_operation", "complete_multipart_upload")).Should().Be(1);
        // One read of an object and the flood's reads of a missing key (not an error for the store).
        Value(samples, "r2gw_store_operation_duration_seconds_count", ("r2gw_store_operation", "get_object"), ("error_type", null)).Should().Be(1 + RequestsPerWindow);
        // The framework's own meters come along: ASP.NET Core's request durations, Kestrel's connections, the runtime.
        samples.Should().Contain(s => s.Name == "http_server_request_duration_seconds_count");
        samples.Should().Contain(s => s.Name.StartsWith("kestrel_", StringComparison.Ordinal));
        samples.Should().Contain(s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_need_the_scrape_token_and_are_never_rate_limited()
    {
        using (var noToken = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            (await SendWithoutDefaultsAsync(noToken)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        using (var wrongToken = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            wrongToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OpsToken);
            (await SendWithoutDefaultsAsync(wrongToken)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        for (var i = 0; i < RequestsPerWindow + 5; i++)
        {
            using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            scrape.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken);
            (await SendWithoutDefaultsAsync(scrape)).StatusCode.Should().Be(HttpStatusCode.OK, "scrape {0} of a limit of {1} per window", i + 1, RequestsPerWindow);
        }
    }

    [Fact]
    public async Task Metrics_restricted_to_another_port_are_not_served_on_the_gateways_port()
    {
        using var root = new TempDir();
        using var gateway = FileSystemGateway.OnRoot(root.Path, new Dictionary<string, string?> { ["Telemetry:MetricsPort"] = "1" });
        using var response = await gateway.Client.GetAsync("/metrics");
        response.StatusCode.Should().NotBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().NotContain("r2gw_").And.NotContain("# TYPE");
    }

    private static async Task<string> PutSomethingAsync(GatewayApi api, int size)
    {
        var key = UniqueKey("read");
        await api.PutOkAsync(key, RandomBytes(size));
        return key;
    }

    /// <summary>Sends with only the message's own headers (not the client's default token).</summary>
    private async Task<HttpResponseMessage> SendWithoutDefaultsAsync(HttpRequestMessage request)
    {
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        return await client.SendAsync(request);
    }

    private async Task<List<Sample>> ScrapeAsync()
    {
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken);
        using var response = await client.GetAsync("/metrics");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        var text = await response.Content.ReadAsStringAsync();
        var input = Path.Combine(_root.Path, "metrics.txt");
        await File.WriteAllTextAsync(input, text);
        var (exitCode, output) = await ProcessRunner.RunAsync("sh",
            ["-c", $"python3 '{Path.Combine(AppContext.BaseDirectory, "Observability", "prom_parse.py")}' < '{input}'"]);
        exitCode.Should().Be(0, output);
        return [.. JsonNode.Parse(output)!.AsArray().Select(s => new Sample(
            s!["name"]!.GetValue<string>(),
            s["labels"]!.AsObject().ToDictionary(l => l.Key, l => l.Value!.GetValue<string>()),
            s["value"]!.GetValue<double>()))];
    }

    /// <summary>The one sample with this name and these labels (null: the label is absent or empty).</summary>
    private static double Value(List<Sample> samples, string name, params (string Label, string? Value)[] labels)
    {
        var matching = samples.Where(s => s.Name == name && labels.All(l =>
            l.Value is null ? !s.Labels.TryGetValue(l.Label, out var v) || v.Length == 0 : s.Labels.GetValueOrDefault(l.Label) == l.Value)).ToList();
        matching.Should().ContainSingle("one {0} sample with {1}; the exposition has {2}", name, labels,
            string.Join("\n", samples.Where(s => s.Name == name).Select(s => string.Join(',', s.Labels) + " " + s.Value)));
        return matching[0].Value;
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}
