using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Events;

/// <summary>At least once, proven with real processes: the gateway killed with SIGKILL while it is
/// writing objects and delivering their events, the receiver down meanwhile; and two gateways on one
/// root sharing the outbox.</summary>
public sealed class EventDeliveryCrashTests : IDisposable
{
    private readonly TempDir _root = new();
    private readonly WebhookReceiver _receiver = new();

    public void Dispose()
    {
        _receiver.Dispose();
        _root.Dispose();
    }

    [Theory]
    [InlineData("FileSystem")]
    [InlineData("S3")]
    [Trait("Needs", "S3")] // for its S3 case; xunit has no per-case traits
    public async Task A_gateway_killed_mid_delivery_and_restarted_delivers_every_event_at_least_once(string provider)
    {
        var s3 = provider == "S3" ? S3TestServer.Shared : null;
        var settings = EventsTests.Settings(_receiver);
        if (s3 is null)
        {
            settings["Storage:FileSystem:Root"] = _root.Path;
        }
        else
        {
            foreach (var (k, v) in s3.GatewaySettings(s3.CreateUniqueBucket("crash")))
            {
                settings[k] = v;
            }

            settings["Events:OutboxDirectory"] = Path.Combine(_root.Path, "events");
        }

        var args = settings.Select(s => $"--{s.Key}={s.Value}").ToArray();
        var acknowledged = new ConcurrentBag<string>();
        var refused = new ConcurrentBag<string>();
        using (var first = await GatewayProcess.StartAsync(args))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            var api = new GatewayApi(http);
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    var key = $"crash/{w}-{i}";
                    try
                    {
                        using var put = await api.PutAsync(key, RandomBytes(100));
                        if (put.StatusCode == HttpStatusCode.OK)
                        {
                            acknowledged.Add(key);
                        }
                        else
                        {
                            refused.Add($"{put.StatusCode} {await put.Content.ReadAsStringAsync()}");
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the gateway is gone
                    }
                }
            })).ToList();

            await Eventually.Until(() => acknowledged.Count >= 20, TimeSpan.FromMinutes(1), "20 puts were acknowledged");
            _receiver.Stop(); // deliveries now fail and wait in the outbox, retrying
            await Eventually.Until(() => acknowledged.Count >= 40, TimeSpan.FromMinutes(1), "40 puts were acknowledged");
            first.KillHard();
            await Task.WhenAll(writers);
            acknowledged.Should().NotBeEmpty($"puts succeed before the kill; refused: {refused.FirstOrDefault()}\n{first.Log}");
        }

        _receiver.Start();
        using var second = await GatewayProcess.StartAsync(args);
        using var client = new HttpClient { BaseAddress = second.BaseAddress };
        var stored = await ListAllAsync(new GatewayApi(client), "crash/");
        stored.Should().Contain(acknowledged, "every acknowledged put is stored");

        var events = await _receiver.WaitForEventsAsync(e => stored.IsSubsetOf(Keys(e)), TimeSpan.FromSeconds(90));
        var received = Keys(events);
        stored.Except(received).Should().BeEmpty("every object that became visible has its event, acknowledged or not");
        events.Should().AllSatisfy(e => ((bool)e["valid"]!).Should().BeTrue());
        var duplicates = events.Count - events.Select(e => (string)e["eventId"]!).Distinct().Count();
        Console.WriteLine($"{provider}: {acknowledged.Count} puts acknowledged, {stored.Count} stored, {events.Count} events received ({duplicates} redelivered)");
    }

    [Fact]
    public async Task Two_gateways_on_one_root_deliver_each_event_once_between_them()
    {
        var settings = EventsTests.Settings(_receiver);
        settings["Events:Delivery:AttemptTimeout"] = "00:00:30"; // a slow receiver must not cause a retry here
        using var a = FileSystemGateway.OnRoot(_root.Path, settings);
        using var b = FileSystemGateway.OnRoot(_root.Path, settings);
        var apis = new[] { new GatewayApi(a.Client), new GatewayApi(b.Client) };
        // 16 in flight, 8 per gateway: below Limits:ConcurrentUploadsPerToken (32), which would answer 429 to more.
        await Parallel.ForEachAsync(Enumerable.Range(0, 100), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => await apis[i % 2].PutOkAsync($"shared/{i}", RandomBytes(50)));

        await _receiver.WaitForEventsAsync(e => e.Count >= 100, TimeSpan.FromSeconds(30));
        // A duplicate would be sent before the pending file goes: once none is left, none is coming.
        await Eventually.Until(() => EventsTests.OutboxIsEmpty(_root.Path), because: "both gateways finished delivering");
        var events = _receiver.Events();

        Keys(events).Should().HaveCount(100);
        events.Should().HaveCount(100, "each event is claimed by one gateway");
    }

    private static HashSet<string> Keys(IEnumerable<JsonObject> events) =>
        events.Select(e => (string)e["event"]!["object"]!["key"]!).ToHashSet();

    private static async Task<HashSet<string>> ListAllAsync(GatewayApi api, string prefix)
    {
        var keys = new HashSet<string>();
        string? cursor = null;
        do
        {
            var page = await api.ListAsync($"prefix={Uri.EscapeDataString(prefix)}&limit=1000{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            keys.UnionWith(page["objects"]!.AsArray().Select(o => (string)o!["key"]!));
            cursor = (bool)page["truncated"]! ? (string?)page["cursor"] : null;
        }
        while (cursor is not null);
        return keys;
    }
}
