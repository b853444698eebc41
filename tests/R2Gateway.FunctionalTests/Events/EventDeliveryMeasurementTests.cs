using R2Gateway.Testing;
using static R2Gateway.Testing.GatewayApi;

namespace R2Gateway.FunctionalTests.Events;

/// <summary>The figures in docs/events.md: how fast one gateway drains a backlog of events into a
/// receiver, and how long an event takes from the change to the receiver at a steady pace.</summary>
public sealed class EventDeliveryMeasurementTests : IDisposable
{
    private readonly TempDir _root = new();
    private readonly WebhookReceiver _receiver = new();

    public void Dispose()
    {
        _receiver.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task One_gateway_drains_a_backlog_and_delivers_a_steady_stream_with_measured_latency()
    {
        const int Backlog = 1000;
        var settings = EventsTests.Settings(_receiver);
        settings["Events:Delivery:AttemptTimeout"] = "00:00:30";
        using var gateway = FileSystemGateway.OnRoot(_root.Path, settings);
        var api = new GatewayApi(gateway.Client);

        _receiver.Stop();
        await Parallel.ForEachAsync(Enumerable.Range(0, Backlog), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => await api.PutOkAsync($"backlog/{i}", RandomBytes(10)));
        var started = DateTime.UtcNow;
        _receiver.Start();
        IReadOnlyList<System.Text.Json.Nodes.JsonObject> drained;
        try
        {
            drained = await _receiver.WaitForEventsAsync(e => e.Count >= Backlog, TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException e)
        {
            int Count(string dir) => Directory.EnumerateFiles(Path.Combine(_root.Path, "events", dir)).Count();
            throw new TimeoutException($"{e.Message} The outbox holds {Count("intents")} intent(s), {Count("pending")} pending and {Count("dead")} dead event(s).", e);
        }

        var drainSeconds = (DateTime.UtcNow - started).TotalSeconds;
        drained.Select(e => (string)e["event"]!["object"]!["key"]!).Distinct().Should().HaveCount(Backlog);

        // Steady pace: 20 puts a second for 10 s; latency is the receiver's clock minus the event's time (one machine, one clock).
        for (var i = 0; i < 200; i++)
        {
            await api.PutOkAsync($"steady/{i}", RandomBytes(10));
            await Task.Delay(50); // the pace is what is measured, not a wait for something
        }

        var steady = (await _receiver.WaitForEventsAsync(e => e.Count(x => ((string)x["event"]!["object"]!["key"]!).StartsWith("steady/", StringComparison.Ordinal)) >= 200, TimeSpan.FromMinutes(1)))
            .Where(x => ((string)x["event"]!["object"]!["key"]!).StartsWith("steady/", StringComparison.Ordinal)).ToList();
        steady.Should().HaveCount(200);
        var latencies = steady.Select(e => ((double)e["received"]! - DateTimeOffset.Parse((string)e["event"]!["eventTime"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() / 1000.0) * 1000)
            .Order().ToList();
        var median = latencies[latencies.Count / 2];
        var p99 = latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1];
        Console.WriteLine($"backlog of {Backlog} events drained in {drainSeconds:0.0} s = {Backlog / drainSeconds:0} events/s; steady 20/s: latency median {median:0.0} ms, p99 {p99:0.0} ms");
        p99.Should().BeLessThan(5000, "a steady stream is delivered as it comes, not at the next scan");
    }
}
