using System.ComponentModel.DataAnnotations;

namespace R2Gateway.Events;

/// <summary>The <c>Events</c> section: where object events go and how hard the gateway tries.</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>Receivers; with none, no event is recorded and the store is not wrapped.</summary>
    public List<WebhookOptions> Webhooks { get; set; } = [];

    /// <summary>The bucket name events carry; defaults to Storage:S3:Bucket, or "r2gateway" for the filesystem store.</summary>
    public string? Bucket { get; set; }

    /// <summary>The outbox directory; defaults to <c>&lt;Storage:FileSystem:Root&gt;/events</c> for the
    /// filesystem store (shared by every gateway on that root) and <c>./data/events</c> for S3.</summary>
    public string? OutboxDirectory { get; set; }

    /// <summary>fsync intents and events before the client's answer; off only for benchmarks.</summary>
    public bool Fsync { get; set; } = true;

    /// <summary>How often the outbox is scanned for events written by other processes or replayed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An intent left this long without its confirmation (its writer died or its store call
    /// failed ambiguously) is settled by asking the store what happened.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromSeconds(10);

    public DeliveryOptions Delivery { get; set; } = new();
}

public sealed class WebhookOptions
{
    /// <summary>Names the webhook's outbox entries and metrics; defaults to its index.</summary>
    public string? Name { get; set; }

    public Uri? Url { get; set; }

    /// <summary>The HMAC-SHA256 key for <c>X-R2GW-Signature</c>.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Only these actions (PutObject, CompleteMultipartUpload, CopyObject, DeleteObject, AbortMultipartUpload); empty is all.</summary>
    public List<EventAction> Actions { get; set; } = [];

    /// <summary>Only keys starting with this.</summary>
    public string Prefix { get; set; } = "";

    public bool Matches(EventAction action, string key) =>
        (Actions.Count == 0 || Actions.Contains(action)) && key.StartsWith(Prefix, StringComparison.Ordinal);
}

/// <summary>Retries with exponential backoff and jitter. The defaults ride out a receiver that is
/// down for about an hour (20 retries, 2 s doubling to at most 5 min) before an event is dead-lettered.</summary>
public sealed class DeliveryOptions
{
    [Range(0, 1000)]
    public int MaxRetries { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries in flight per webhook.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 8;
}
