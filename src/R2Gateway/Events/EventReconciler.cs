using System.Text.Json;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;

namespace R2Gateway.Events;

/// <summary>
/// Settles intents left without a confirmation (the writing process died, or the store call failed
/// in a way that may still have changed the object) by asking the store what the key looks like now.
/// When in doubt it sends the event: a duplicate is allowed, a lost event is not.
/// </summary>
public sealed partial class EventReconciler(
    EventOutbox outbox,
    IBucketStores buckets,
    EventBucket defaultBucket,
    ObjectEvents events,
    IOptions<EventsOptions> options,
    TimeProvider clock,
    ILogger<EventReconciler> logger)
{
    /// <summary>Clock skew allowed between the gateway and the store when comparing a put's start with the object's Last-Modified.</summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.ReconcileAfter;
        foreach (var path in EventOutbox.List(outbox.Intents))
        {
            if (File.GetLastWriteTimeUtc(path) > cutoff)
            {
                continue;
            }

            using var claim = EventOutbox.TryClaim(path);
            if (claim is null)
            {
                continue; // its writer is alive and still waiting for the store
            }

            if (Read(claim) is not { } intent)
            {
                // Torn by a crash while it was written: the store call it announces never started.
                LogTornIntent(logger, Path.GetFileName(path));
                File.Delete(path);
                continue;
            }

            var happened = await HappenedAsync(intent, cancellationToken);
            if (happened is not null)
            {
                events.Confirm(intent, happened, events.Matching(intent.Action, intent.Key));
            }
            else
            {
                outbox.DeleteIntent(intent.EventId);
            }

            EventMetrics.Reconciled.Add(1, new System.Diagnostics.TagList { { "outcome", happened is null ? "none" : "event" } });
            LogReconciled(logger, intent.EventId, intent.Action, intent.Key, happened is not null);
        }
    }

    private async Task<EventObject?> HappenedAsync(EventIntent intent, CancellationToken cancellationToken)
    {
        // An intent names its bucket as its event does: the default bucket by EventBucket's name.
        var store = intent.Bucket == defaultBucket.Name ? buckets.DefaultStore : buckets.Find(intent.Bucket);
        if (store is null)
        {
            // the bucket is gone, and with it whatever the change left
            return intent.Action is EventAction.DeleteObject or EventAction.AbortMultipartUpload ? new EventObject(intent.Key) : null;
        }

        switch (intent.Action)
        {
            case EventAction.DeleteObject:
                return await store.HeadObjectAsync(intent.Key, cancellationToken) is null ? new EventObject(intent.Key) : null;
            case EventAction.AbortMultipartUpload:
                try
                {
                    await store.ListPartsAsync(intent.Key, intent.UploadId!, 0, 1, cancellationToken);
                    return null; // the upload is still there: the abort did not happen
                }
                catch (ContractException e) when (e.Code == ErrorCode.NoSuchUpload)
                {
                    return new EventObject(intent.Key);
                }

            default:
                var head = await store.HeadObjectAsync(intent.Key, cancellationToken);
                var created = head is not null && (intent.ExpectedETag is { } expected
                    ? head.ETag == expected
                    : head.LastModified >= intent.StartedAt - ClockTolerance);
                return created ? EventObject.Created(head!) : null;
        }
    }

    private static EventIntent? Read(FileStream claim)
    {
        try
        {
            return JsonSerializer.Deserialize<EventIntent>(EventOutbox.ReadAll(claim), ObjectEvent.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed unreadable event intent {File}, torn by a crash before its store call")]
    private static partial void LogTornIntent(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciled intent {ObjectEventId} ({Action} {Key}) left by a crash or failed call: event sent = {Sent}")]
    private static partial void LogReconciled(ILogger logger, string objectEventId, EventAction action, string key, bool sent);
}
