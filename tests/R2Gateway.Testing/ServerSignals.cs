using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace R2Gateway.Testing;

/// <summary>What a gateway hosted in the test process is doing right now, read from the framework's
/// own meters of that host (its IMeterFactory, so other gateways in the process do not count):
/// requests being handled and rate-limiter leases held.
/// <para>These meters record deltas (+1 at a request's start, −1 at its end), so a listener is exact only
/// if it saw every request from the host's first: one that starts later can see the −1 of a request
/// that a previous test's client already had its answer to, and count ours as none. Hence one per host,
/// made by <see cref="GatewayFactory"/> before it starts.</para></summary>
public sealed class ServerSignals : IDisposable
{
    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    private readonly MeterListener _listener = new();
    private long _activeRequests;
    private long _leases;

    internal ServerSignals(IServiceProvider services)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters)
                && (instrument.Meter.Name, instrument.Name) is (HostingMeter, "http.server.active_requests")
                    or ("Microsoft.AspNetCore.RateLimiting", "aspnetcore.rate_limiting.active_request_leases"))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        // Only the two counters above are enabled: the meter tells them apart.
        _listener.SetMeasurementEventCallback<long>((instrument, delta, _, _) =>
            Interlocked.Add(ref instrument.Meter.Name == HostingMeter ? ref _activeRequests : ref _leases, delta));
        _listener.Start();
    }

    /// <summary>Requests the server is handling (from the start of the pipeline to the end of the response).</summary>
    public long ActiveRequests => Interlocked.Read(ref _activeRequests);

    /// <summary>Requests holding a rate-limiter lease (e.g. an upload slot of a concurrency limit).</summary>
    public long LeasesHeld => Interlocked.Read(ref _leases);

    public Task UntilActiveRequests(Func<long, bool> done, string because) =>
        Eventually.Until(() => ActiveRequests, done, because: because);

    public Task UntilLeasesHeld(Func<long, bool> done, string because) =>
        Eventually.Until(() => LeasesHeld, done, because: because);

    public void Dispose() => _listener.Dispose();
}
