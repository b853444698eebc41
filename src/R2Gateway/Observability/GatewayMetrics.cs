using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace R2Gateway.Observability;

/// <summary>The gateway's own meter and activity source (both named <see cref="Name"/>); docs/operations.md
/// lists every instrument. Recording costs next to nothing when nothing listens.</summary>
public sealed class GatewayMetrics
{
    public const string Name = "R2Gateway";

    public static readonly ActivitySource Source = new(Name);

    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _uploadsCreated;
    private readonly Counter<long> _uploadsCompleted;
    private readonly Counter<long> _uploadsAborted;
    private readonly Counter<long> _parts;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _storeDuration;

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _bytesIn = meter.CreateCounter<long>("r2gw.bytes.in", "By", "Request body bytes read from clients, by action.");
        _bytesOut = meter.CreateCounter<long>("r2gw.bytes.out", "By", "Response body bytes sent to clients (by Content-Length), by action.");
        _uploadsCreated = meter.CreateCounter<long>("r2gw.uploads.created", "{upload}", "Multipart uploads started.");
        _uploadsCompleted = meter.CreateCounter<long>("r2gw.uploads.completed", "{upload}", "Multipart uploads completed into an object.");
        _uploadsAborted = meter.CreateCounter<long>("r2gw.uploads.aborted", "{upload}", "Multipart uploads aborted.");
        _parts = meter.CreateCounter<long>("r2gw.parts.uploaded", "{part}", "Parts stored.");
        _refused = meter.CreateCounter<long>("r2gw.requests.refused", "{request}", "Requests refused, by reason: auth (401, 403) or rate_limit (429).");
        _storeDuration = meter.CreateHistogram("r2gw.store.operation.duration", "s", "Duration of calls to the object store, by operation, store and error type.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    }

    /// <summary>What one HTTP request moved and whether it was refused; <paramref name="action"/> is the
    /// matched row of the action table (never the raw query, which a client controls).</summary>
    public void Request(string action, long bytesIn, long bytesOut, int status)
    {
        var tag = new KeyValuePair<string, object?>("r2gw.action", action);
        if (bytesIn > 0)
        {
            _bytesIn.Add(bytesIn, tag);
        }

        if (bytesOut > 0)
        {
            _bytesOut.Add(bytesOut, tag);
        }

        var reason = status switch
        {
            StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => "auth",
            StatusCodes.Status429TooManyRequests => "rate_limit",
            _ => null,
        };
        if (reason is not null)
        {
            _refused.Add(1, new KeyValuePair<string, object?>("r2gw.reason", reason), tag);
        }
    }

    public void UploadCreated() => _uploadsCreated.Add(1);

    public void UploadCompleted() => _uploadsCompleted.Add(1);

    public void UploadAborted() => _uploadsAborted.Add(1);

    public void PartUploaded() => _parts.Add(1);

    public void StoreOperation(string operation, string store, string? error, TimeSpan elapsed)
    {
        var tags = new TagList { { "r2gw.store.operation", operation }, { "r2gw.store", store } };
        if (error is not null)
        {
            tags.Add("error.type", error);
        }

        _storeDuration.Record(elapsed.TotalSeconds, tags);
    }
}
