using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace R2Gateway.Events;

/// <summary>
/// Delivers pending events: claims each outbox file with a lock (so gateways sharing the outbox
/// deliver it once between them), posts it through the webhook's resilient client (retries with
/// exponential backoff and jitter, each attempt signed afresh), deletes it on a 2xx, and moves it to
/// the dead-letter list when the receiver refuses it (4xx) or the retry budget is spent. Also runs the
/// reconciler for intents whose writer died.
/// </summary>
public sealed partial class WebhookDispatcher(
    EventOutbox outbox,
    IOptions<EventsOptions> options,
    IHttpClientFactory clients,
    EventSignal signal,
    EventReconciler reconciler,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);

    public static string ClientName(string webhook) => "r2gw-webhook-" + webhook;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        outbox.EnsureCreated();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        var webhooks = settings.Webhooks.Select((w, i) => (Name: ObjectEvents.WebhookName(w, i), Hook: w))
            .ToDictionary(x => x.Name, x => (x.Hook, Slots: new SemaphoreSlim(settings.Delivery.Concurrency)), StringComparer.Ordinal);
        var nextReconcile = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (clock.GetUtcNow() >= nextReconcile)
                {
                    await reconciler.RunAsync(stoppingToken);
                    nextReconcile = clock.GetUtcNow() + settings.ReconcileAfter / 2;
                }

                foreach (var path in EventOutbox.List(outbox.Pending))
                {
                    if (_inFlight.ContainsKey(path) || !webhooks.TryGetValue(EventOutbox.WebhookOf(path), out var webhook)
                        || !webhook.Slots.Wait(0, CancellationToken.None))
                    {
                        continue;
                    }

                    if (EventOutbox.TryClaim(path) is not { } claim)
                    {
                        webhook.Slots.Release();
                        continue;
                    }

                    _inFlight[path] = Task.Run(async () =>
                    {
                        try
                        {
                            await DeliverAsync(path, claim, webhook.Hook, stoppingToken);
                        }
                        finally
                        {
                            await claim.DisposeAsync();
                            _inFlight.TryRemove(path, out _);
                            webhook.Slots.Release();
                            signal.Wake();
                        }
                    }, CancellationToken.None);
                }

                await signal.WaitAsync(settings.ScanInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ContractException)
            {
                LogScanFailed(logger, e);
                await Task.Delay(settings.ScanInterval, clock, CancellationToken.None);
            }
        }

        // Unfinished deliveries stay pending (their locks drop) for the next process.
        await Task.WhenAll(_inFlight.Values);
    }

    private async Task DeliverAsync(string path, FileStream claim, WebhookOptions webhook, CancellationToken stoppingToken)
    {
        var name = EventOutbox.WebhookOf(path);
        var eventId = EventOutbox.EventIdOf(path);
        var tags = new TagList { { "webhook", name } };
        string reason;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(EventOutbox.ReadAll(claim)) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add(WebhookSignature.EventIdHeader, eventId);
            using var response = await clients.CreateClient(ClientName(name)).SendAsync(request, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                File.Delete(path);
                var latency = clock.GetUtcNow() - EventTime(eventId);
                EventMetrics.Delivered.Add(1, tags);
                EventMetrics.Latency.Record(latency.TotalSeconds, tags);
                LogDelivered(logger, eventId, name, (int)response.StatusCode, latency.TotalMilliseconds);
                return;
            }

            reason = $"the receiver answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return; // shutting down: left pending
        }
        catch (Exception e) when (e is HttpRequestException or Polly.Timeout.TimeoutRejectedException or OperationCanceledException)
        {
            reason = e.Message;
        }

        outbox.MoveToDead(path);
        EventMetrics.DeadLettered.Add(1, tags);
        LogDeadLettered(logger, eventId, name, reason);
    }

    /// <summary>Event ids start with the time of the change.</summary>
    private static DateTimeOffset EventTime(string eventId) =>
        DateTimeOffset.ParseExact(eventId[..17], "yyyyMMddHHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {ObjectEventId} delivered to webhook {Webhook}: {Status} after {LatencyMs:0} ms")]
    private static partial void LogDelivered(ILogger logger, string objectEventId, string webhook, int status, double latencyMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {ObjectEventId} for webhook {Webhook} moved to the dead-letter list: {Reason}. Replay with 'events replay'.")]
    private static partial void LogDeadLettered(ILogger logger, string objectEventId, string webhook, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scanning the events outbox failed; retrying")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);
}
