using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace R2Gateway.Testing;

/// <summary>What a gateway hosted in the test process is doing right now, read from the framework's
/// own meters of that host (its IMeterFactory, so other gateways in the process do not count):
/// requests being handled and rate-limiter leases held. Create it before the requests it should see.</summary>
public sealed class ServerSignals : IDisposable
{
    private readonly MetricCollector<long> _activeRequests;
    private readonly MetricCollector<long> _leases;

    public ServerSignals(IServiceProvider services)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        _activeRequests = new(meters, "Microsoft.AspNetCore.Hosting", "http.server.active_requests");
        _leases = new(meters, "Microsoft.AspNetCore.RateLimiting", "aspnetcore.rate_limiting.active_request_leases");
    }

    /// <summary>Requests the server is handling (from the start of the pipeline to the end of the response).</summary>
    public long ActiveRequests => _activeRequests.GetMeasurementSnapshot().Sum(m => m.Value);

    /// <summary>Requests holding a rate-limiter lease (e.g. an upload slot of a concurrency limit).</summary>
    public long LeasesHeld => _leases.GetMeasurementSnapshot().Sum(m => m.Value);

    public Task UntilActiveRequests(Func<long, bool> done, string because) =>
        Eventually.Until(() => ActiveRequests, done, because: because);

    public Task UntilLeasesHeld(Func<long, bool> done, string because) =>
        Eventually.Until(() => LeasesHeld, done, because: because);

    public void Dispose()
    {
        _activeRequests.Dispose();
        _leases.Dispose();
    }
}
