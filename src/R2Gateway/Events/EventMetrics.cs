using System.Diagnostics.Metrics;

namespace R2Gateway.Events;

/// <summary>Instruments on the "R2Gateway.Events" meter (exported by whatever listens to Meters).</summary>
public static class EventMetrics
{
    public const string MeterName = "R2Gateway.Events";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Recorded = Meter.CreateCounter<long>("r2gw.events.recorded", "{event}", "Events written to the outbox");

    public static readonly Counter<long> Delivered = Meter.CreateCounter<long>("r2gw.events.delivered", "{event}", "Events a webhook accepted (2xx)");

    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("r2gw.events.retries", "{attempt}", "Delivery attempts retried after a failure");

    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("r2gw.events.dead_lettered", "{event}", "Events moved to the dead-letter list");

    public static readonly Counter<long> Reconciled = Meter.CreateCounter<long>("r2gw.events.reconciled", "{intent}", "Intents settled after a crash or an ambiguous failure");

    public static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("r2gw.events.delivery.latency", "s", "From the change to the webhook's 2xx");
}
