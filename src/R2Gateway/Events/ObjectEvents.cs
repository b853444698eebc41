using System.Diagnostics;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;

namespace R2Gateway.Events;

/// <summary>
/// Records the event of a change in the same step that makes it visible. The s3api endpoint's
/// CopyObject calls <see cref="ObjectCreatedAsync"/> around its store call the same way.
/// </summary>
public interface IObjectEvents
{
    /// <summary>Runs <paramref name="change"/>, the store call that makes the object visible, between a
    /// flushed intent and the flushed event; returns only once the event is durable.</summary>
    /// <param name="expectedETag">The etag the object will have, when known in advance (a complete);
    /// lets a crash be settled exactly.</param>
    /// <param name="bucket">The bucket the event names; the default bucket's (<see cref="EventBucket"/>) when null.</param>
    Task<ObjectInfo> ObjectCreatedAsync(EventAction action, string key, Func<Task<ObjectInfo>> change,
        string? expectedETag = null, CopySource? copySource = null, string? bucket = null);

    /// <summary>The same for a delete or an abort (<paramref name="uploadId"/> for an abort).</summary>
    Task ObjectRemovedAsync(EventAction action, string key, string? uploadId, Func<Task> change, string? bucket = null);
}

public sealed partial class ObjectEvents(
    EventOutbox outbox,
    IOptions<EventsOptions> options,
    EventBucket bucket,
    IHttpContextAccessor http,
    TimeProvider clock,
    EventSignal signal,
    ILogger<ObjectEvents> logger) : IObjectEvents
{
    public async Task<ObjectInfo> ObjectCreatedAsync(EventAction action, string key, Func<Task<ObjectInfo>> change,
        string? expectedETag = null, CopySource? copySource = null, string? bucket = null)
    {
        var hooks = Matching(action, key);
        if (hooks.Count == 0)
        {
            return await change();
        }

        var intent = Intent(action, key, bucket) with { ExpectedETag = expectedETag, CopySource = copySource };
        ObjectInfo info;
        using (var held = outbox.WriteIntent(intent))
        {
            info = await Settle(intent, change);
            Confirm(intent, EventObject.Created(info), hooks);
        }

        return info;
    }

    public async Task ObjectRemovedAsync(EventAction action, string key, string? uploadId, Func<Task> change, string? bucket = null)
    {
        var hooks = Matching(action, key);
        if (hooks.Count == 0)
        {
            await change();
            return;
        }

        var intent = Intent(action, key, bucket) with { UploadId = uploadId };
        using var held = outbox.WriteIntent(intent);
        await Settle(intent, async () =>
        {
            await change();
            return true;
        });
        Confirm(intent, new EventObject(key), hooks);
    }

    /// <summary>Writes the event for a settled intent (also used by the reconciler) and drops the intent.</summary>
    internal void Confirm(EventIntent intent, EventObject obj, IReadOnlyList<string> hooks)
    {
        var e = new ObjectEvent(intent.EventId, intent.Action, intent.Bucket, obj, clock.GetUtcNow(), intent.Token, intent.CopySource);
        outbox.Enqueue(e, hooks);
        outbox.DeleteIntent(intent.EventId);
        EventMetrics.Recorded.Add(1, new TagList { { "action", intent.Action.ToString() } });
        signal.Wake();
    }

    internal IReadOnlyList<string> Matching(EventAction action, string key) =>
        options.Value.Webhooks.Select((w, i) => (w, i)).Where(x => x.w.Matches(action, key)).Select(x => WebhookName(x.w, x.i)).ToList();

    internal static string WebhookName(WebhookOptions webhook, int index) => webhook.Name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private EventIntent Intent(EventAction action, string key, string? bucketName) =>
        new(EventOutbox.NewEventId(clock.GetUtcNow()), action, bucketName ?? bucket.Name, key, http.HttpContext?.User.Identity?.Name, clock.GetUtcNow());

    /// <summary>A store error that says the change did not happen drops the intent; any other failure
    /// (I/O, a timeout, a cancelled request) may have happened, so the intent stays for the reconciler.</summary>
    private async Task<T> Settle<T>(EventIntent intent, Func<Task<T>> change)
    {
        try
        {
            return await change();
        }
        catch (ContractException e) when (e.Code is not (ErrorCode.ServiceUnavailable or ErrorCode.BadGateway or ErrorCode.GatewayTimeout))
        {
            outbox.DeleteIntent(intent.EventId);
            throw;
        }
        catch (Exception e)
        {
            LogUnsettled(logger, e, intent.Action, intent.Key, intent.EventId);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Action} of {Key} failed in a way that may have changed the object; intent {ObjectEventId} is left for the reconciler")]
    private static partial void LogUnsettled(ILogger logger, Exception exception, EventAction action, string key, string objectEventId);
}

/// <summary>The bucket name events carry.</summary>
public sealed record EventBucket(string Name);

/// <summary>Wakes the dispatcher when this process has written an event, so delivery does not wait for the next scan.</summary>
public sealed class EventSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // already awake
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
