using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using R2Gateway.Events;
using R2Gateway.Testing;
using R2Gateway.FunctionalTests.Security;
using R2Gateway.Security;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Events;

/// <summary>Object events delivered to a real receiver process: R2's shape, a signature that verifies,
/// filters, and at-least-once delivery through a receiver outage.</summary>
public sealed class EventsTests : IDisposable
{
    private const string Token = "r2gw_events-token-0123456789abcdefghijklmnop";

    private readonly TempDir _root = new();
    private readonly WebhookReceiver _receiver = new();

    public void Dispose()
    {
        _receiver.Dispose();
        _root.Dispose();
    }

    public static Dictionary<string, string?> Settings(WebhookReceiver receiver, string? prefix = null) => new()
    {
        ["Events:Webhooks:0:Name"] = "app",
        ["Events:Webhooks:0:Url"] = receiver.EventsUrl.ToString(),
        ["Events:Webhooks:0:Secret"] = WebhookReceiver.Secret,
        ["Events:Webhooks:0:Prefix"] = prefix ?? "",
        ["Events:Bucket"] = "media",
        ["Events:ScanInterval"] = "00:00:00.200",
        ["Events:ReconcileAfter"] = "00:00:01",
        ["Events:Delivery:BaseDelay"] = "00:00:00.050",
        ["Events:Delivery:MaxDelay"] = "00:00:00.500",
        ["Events:Delivery:MaxRetries"] = "1000",
        ["Events:Delivery:AttemptTimeout"] = "00:00:02",
    };

    private FileSystemGateway Gateway(Dictionary<string, string?> settings, CapturedLogs? logs = null)
    {
        settings["Auth:Tokens:0:Name"] = "uploader";
        settings["Auth:Tokens:0:Hash"] = TokenHash.Of(Token);
        settings["Auth:Tokens:0:Prefixes:0"] = "";
        settings["Auth:Tokens:0:Can:0"] = "Write";
        settings["Auth:Tokens:0:Can:1"] = "Delete";
        settings["Auth:Tokens:0:Can:2"] = "Read";
        var gateway = FileSystemGateway.OnRoot(_root.Path, settings,
            logs is null ? null : services => services.AddSingleton<Serilog.Core.ILogEventSink>(logs));
        gateway.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return gateway;
    }

    [Fact]
    public async Task Every_change_arrives_signed_in_R2s_shape_with_the_token_name()
    {
        var logs = new CapturedLogs();
        using var gateway = Gateway(Settings(_receiver), logs);
        var api = new GatewayApi(gateway.Client);
        var put = RandomBytes(1234);
        using (var stored = await api.PutAsync("ev/put.bin", put, r =>
        {
            r.Headers.Add("x-amz-meta-color", "blue");
            r.Headers.Add("x-amz-checksum-sha256", Convert.ToBase64String(SHA256.HashData(put)));
        }))
        {
            stored.EnsureSuccessStatusCode();
        }

        var data = RandomBytes(6 * MiB);
        var etag = await api.UploadMultipartAsync("ev/mpu.bin", data, 5 * MiB);
        var aborted = await api.CreateAsync("ev/aborted.bin");
        (await gateway.Client.DeleteAsync(Url("ev/aborted.bin", "mpu-abort", $"uploadId={Uri.EscapeDataString(aborted)}"))).EnsureSuccessStatusCode();
        (await gateway.Client.DeleteAsync(Url("ev/put.bin", "delete"))).EnsureSuccessStatusCode();

        var events = await _receiver.WaitForEventsAsync(e => e.Count >= 4, TimeSpan.FromSeconds(20));

        events.Should().HaveCount(4).And.AllSatisfy(e => ((bool)e["valid"]!).Should().BeTrue("the signature verifies with the shared secret"));
        var bodies = events.Select(e => e["event"]!.AsObject()).ToList();
        bodies.Select(b => (string)b["action"]!).Should().BeEquivalentTo("PutObject", "CompleteMultipartUpload", "AbortMultipartUpload", "DeleteObject");
        bodies.Should().AllSatisfy(b =>
        {
            ((string)b["bucket"]!).Should().Be("media");
            ((string)b["token"]!).Should().Be("uploader");
            b.ToJsonString().Should().NotContain(Token);
            DateTimeOffset.Parse((string)b["eventTime"]!, System.Globalization.CultureInfo.InvariantCulture).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        });
        var putEvent = bodies.Single(b => (string)b["action"]! == "PutObject")["object"]!;
        ((string)putEvent["key"]!).Should().Be("ev/put.bin");
        ((long)putEvent["size"]!).Should().Be(1234);
        ((string)putEvent["eTag"]!).Should().Be(Md5Hex(put));
        ((string)putEvent["checksums"]!["md5"]!).Should().Be(Md5Hex(put));
        ((string)putEvent["checksums"]!["sha256"]!).Should().Be(Convert.ToHexStringLower(SHA256.HashData(put)));
        ((string)putEvent["customMetadata"]!["color"]!).Should().Be("blue");
        var mpu = bodies.Single(b => (string)b["action"]! == "CompleteMultipartUpload")["object"]!;
        ((long)mpu["size"]!).Should().Be(data.Length);
        ((string)mpu["eTag"]!).Should().Be(etag);
        mpu.AsObject().Should().NotContainKey("customMetadata", "the upload had none");
        bodies.Single(b => (string)b["action"]! == "DeleteObject")["object"]!.AsObject().Should().NotContainKey("size");
        events.Select(e => (string)e["eventId"]!).Should().OnlyHaveUniqueItems()
            .And.BeEquivalentTo(bodies.Select(b => (string)b["eventId"]!), "the header names the body's event");

        // The gateway's own delivery lines are logged; HttpClient's per-call Information lines are not.
        await Eventually.Until(() => logs.Events.Count(e => e.RenderMessage().Contains("delivered to webhook \"app\"")) >= 4, because: "four deliveries were logged");
        logs.Events.Count(e => e.RenderMessage().Contains("delivered to webhook \"app\"")).Should().Be(4);
        logs.Events.Where(e => e.Properties.TryGetValue("SourceContext", out var source) && source.ToString().Contains("System.Net.Http.HttpClient"))
            .Should().BeEmpty("HttpClient's own lines are below Warning");
    }

    [Fact]
    public async Task Filters_by_prefix_and_action_and_a_failed_put_sends_nothing()
    {
        var settings = Settings(_receiver, prefix: "in/");
        settings["Events:Webhooks:0:Actions:0"] = "PutObject";
        using var gateway = Gateway(settings);
        var api = new GatewayApi(gateway.Client);
        await api.PutOkAsync("out/a", RandomBytes(10));
        await api.PutOkAsync("in/b", RandomBytes(10));
        (await gateway.Client.DeleteAsync(Url("in/b", "delete"))).EnsureSuccessStatusCode();
        using var refused = await api.PutAsync("in/b", RandomBytes(10), r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"0123456789abcdef0123456789abcdef\"")));
        refused.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        await api.PutOkAsync("in/c", RandomBytes(10));

        await _receiver.WaitForEventsAsync(e => e.Count >= 2, TimeSpan.FromSeconds(20));
        await Eventually.Until(() => OutboxIsEmpty(_root.Path), because: "every event was delivered or dropped");
        var events = _receiver.Events();

        events.Select(e => (string)e["event"]!["object"]!["key"]!).Should().BeEquivalentTo(["in/b", "in/c"], "delivery keeps no strict order");
        Directory.EnumerateFiles(Path.Combine(_root.Path, "events", "intents")).Should().BeEmpty("a refused put drops its intent");
    }

    [Fact]
    public async Task An_intent_torn_by_a_crash_is_removed_and_delivery_goes_on()
    {
        var intents = Directory.CreateDirectory(Path.Combine(_root.Path, "events", "intents")).FullName;
        var torn = Path.Combine(intents, "torn-by-a-crash.json");
        File.WriteAllBytes(torn, []);
        File.SetLastWriteTimeUtc(torn, DateTime.UtcNow.AddMinutes(-5));
        File.WriteAllText(Path.Combine(intents, "half-written.json"), "{\"eventId\":\"x\",\"act");
        File.SetLastWriteTimeUtc(Path.Combine(intents, "half-written.json"), DateTime.UtcNow.AddMinutes(-5));
        using var gateway = Gateway(Settings(_receiver));

        await Eventually.Until(() => !Directory.EnumerateFiles(intents).Any(), because: "the reconciler removed the torn intents");
        await new GatewayApi(gateway.Client).PutOkAsync("after-torn", RandomBytes(10));
        var events = await _receiver.WaitForEventsAsync(e => e.Any(x => (string)x["event"]!["object"]!["key"]! == "after-torn"), TimeSpan.FromSeconds(30));
        events.Should().Contain(x => (string)x["event"]!["object"]!["key"]! == "after-torn", "the delivery loop is still running");
    }

    [Fact]
    public async Task A_receiver_down_and_restarted_still_gets_every_event()
    {
        // A webhook of this test's own, so retries of other tests' gateways in this process do not count.
        var settings = Settings(_receiver);
        var webhook = settings["Events:Webhooks:0:Name"] = $"down-{Guid.NewGuid():N}";
        using var retries = new MetricCollector<long>(null, EventMetrics.MeterName, "r2gw.events.retries");
        using var gateway = Gateway(settings);
        var api = new GatewayApi(gateway.Client);
        _receiver.Stop();
        var keys = Enumerable.Range(0, 20).Select(i => $"down/{i}").ToList();
        foreach (var key in keys)
        {
            await api.PutOkAsync(key, RandomBytes(100));
        }

        await Eventually.Until(
            () => retries.GetMeasurementSnapshot().Count(m => (string?)m.Tags["webhook"] == webhook) >= 3,
            because: "several attempts failed while the receiver was down");
        _receiver.Start();

        var events = await _receiver.WaitForEventsAsync(e => keys.All(k => e.Any(x => (string)x["event"]!["object"]!["key"]! == k)), TimeSpan.FromSeconds(30));
        events.Select(e => (string)e["event"]!["object"]!["key"]!).Distinct().Should().BeEquivalentTo(keys);
        events.Should().AllSatisfy(e => ((bool)e["valid"]!).Should().BeTrue("a retry is signed afresh"));
        // The receiver records an event before it answers, and the gateway deletes the pending file after.
        await Eventually.Until(() => !Directory.EnumerateFiles(Path.Combine(_root.Path, "events", "pending")).Any(),
            because: "every delivered event left the outbox");
    }

    [Fact]
    public async Task Spent_retries_dead_letter_the_event_and_replay_delivers_it()
    {
        var settings = Settings(_receiver);
        settings["Events:Delivery:MaxRetries"] = "2";
        using var gateway = Gateway(settings);
        var api = new GatewayApi(gateway.Client);
        _receiver.Stop();
        await api.PutOkAsync("dead/one", RandomBytes(10));
        var dead = Path.Combine(_root.Path, "events", "dead");
        await Eventually.Until(() => Directory.EnumerateFiles(dead).Any(), because: "the event was dead-lettered");
        Directory.EnumerateFiles(dead).Should().ContainSingle("three failed attempts spend the budget");
        var listed = await ProcessRunner.RunAsync("dotnet", [typeof(Program).Assembly.Location, "events", "dead-letters", $"--Storage:FileSystem:Root={_root.Path}"]);
        listed.Output.Should().Contain("dead/one").And.Contain("PutObject").And.Contain("1 event(s)");

        _receiver.Start();
        var replay = await ProcessRunner.RunAsync("dotnet", [typeof(Program).Assembly.Location, "events", "replay", $"--Storage:FileSystem:Root={_root.Path}"]);
        replay.Output.Should().Contain("1 dead letter(s) moved back");

        var events = await _receiver.WaitForEventsAsync(e => e.Count >= 1, TimeSpan.FromSeconds(20));
        ((string)events.Single()["event"]!["object"]!["key"]!).Should().Be("dead/one");
        Directory.EnumerateFiles(dead).Should().BeEmpty();
    }

    /// <summary>Nothing recorded and not yet delivered: no delivery can still be under way, since a
    /// pending file is deleted only after its receiver answered.</summary>
    public static bool OutboxIsEmpty(string root) =>
        !Directory.EnumerateFiles(Path.Combine(root, "events", "intents")).Any()
        && !Directory.EnumerateFiles(Path.Combine(root, "events", "pending")).Any();
}
