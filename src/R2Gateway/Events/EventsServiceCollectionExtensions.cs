using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Events;

public static partial class EventsServiceCollectionExtensions
{
    /// <summary>Object events to webhooks (<c>Events</c> section). Call after AddObjectStore: with any webhook
    /// configured, the store is wrapped so every change records its event in the outbox.</summary>
    public static IServiceCollection AddGatewayEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Webhooks.All(w => w.Url is { IsAbsoluteUri: true } u && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)),
                "Every Events:Webhooks entry needs an absolute http(s) Url.")
            .Validate(o => o.Webhooks.All(w => w.Secret.Length >= 16), "Every Events:Webhooks entry needs a Secret of at least 16 characters.")
            .Validate(o => o.Webhooks.Select((w, i) => ObjectEvents.WebhookName(w, i)).All(n => WebhookNamePattern().IsMatch(n))
                && o.Webhooks.Select((w, i) => ObjectEvents.WebhookName(w, i)).Distinct(StringComparer.Ordinal).Count() == o.Webhooks.Count,
                "Events:Webhooks names must be distinct and made of letters, digits, '-' and '_'.")
            .ValidateOnStart();
        services.AddHttpContextAccessor();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new EventBucket(configuration["Events:Bucket"] ?? configuration["Storage:S3:Bucket"] ?? "r2gateway"));
        services.AddSingleton(sp =>
        {
            var events = sp.GetRequiredService<IOptions<EventsOptions>>().Value;
            var directory = events.OutboxDirectory
                ?? (configuration.GetValue("Storage:Provider", StorageProvider.FileSystem) == StorageProvider.FileSystem
                    ? Path.Combine(sp.GetRequiredService<IOptions<FileSystemStoreOptions>>().Value.Root, "events")
                    : "./data/events");
            return new EventOutbox(directory, events.Fsync);
        });
        services.AddSingleton<EventSignal>();
        services.AddSingleton<ObjectEvents>();
        services.AddSingleton<IObjectEvents>(sp => sp.GetRequiredService<ObjectEvents>());

        var webhooks = configuration.GetSection($"{EventsOptions.Section}:{nameof(EventsOptions.Webhooks)}").GetChildren().ToList();
        if (webhooks.Count == 0)
        {
            return services; // nothing to deliver to: the store stays as it is
        }

        Decorate(services);
        services.AddSingleton<EventReconciler>();
        services.AddHostedService<WebhookDispatcher>();
        var delivery = new DeliveryOptions();
        configuration.GetSection($"{EventsOptions.Section}:{nameof(EventsOptions.Delivery)}").Bind(delivery);
        for (var i = 0; i < webhooks.Count; i++)
        {
            var hook = new WebhookOptions();
            webhooks[i].Bind(hook);
            var name = ObjectEvents.WebhookName(hook, i);
            var client = services.AddHttpClient(WebhookDispatcher.ClientName(name), c => c.Timeout = Timeout.InfiniteTimeSpan);
            client.AddResilienceHandler("delivery", (pipeline, context) =>
                {
                    var logger = context.ServiceProvider.GetRequiredService<ILogger<WebhookDispatcher>>();
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = Math.Max(delivery.MaxRetries, 0),
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = delivery.BaseDelay,
                        MaxDelay = delivery.MaxDelay,
                        ShouldRetryAfterHeader = true,
                        OnRetry = retry =>
                        {
                            EventMetrics.Retries.Add(1, new System.Diagnostics.TagList { { "webhook", name } });
                            LogRetry(logger, name, retry.AttemptNumber + 1,
                                retry.Outcome.Result is { } r ? $"{(int)r.StatusCode}" : retry.Outcome.Exception?.GetType().Name ?? "?",
                                retry.RetryDelay.TotalMilliseconds);
                            return ValueTask.CompletedTask;
                        },
                    });
                    pipeline.AddTimeout(delivery.AttemptTimeout);
                });

            // Inside the retry handler: every attempt gets a fresh timestamp and signature.
            client.AddHttpMessageHandler(sp => new WebhookSigningHandler(hook.Secret, sp.GetRequiredService<TimeProvider>()));
        }

        return services;
    }

    /// <summary>Every bucket's store records events; the default bucket's carry <see cref="EventBucket"/>, the others their own name.</summary>
    private static void Decorate(IServiceCollection services) =>
        services.AddSingleton<IObjectStoreDecorator>(sp => new EventingStores(sp.GetRequiredService<IObjectEvents>(), sp.GetRequiredService<EventBucket>()));

    private sealed class EventingStores(IObjectEvents events, EventBucket defaultBucket) : IObjectStoreDecorator
    {
        public IObjectStore Decorate(string bucket, bool isDefault, IObjectStore inner) =>
            new EventingObjectStore(inner, events, isDefault ? defaultBucket.Name : bucket);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex WebhookNamePattern();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook} delivery failed ({Outcome}); attempt {Attempt} in {DelayMs:0} ms")]
    private static partial void LogRetry(ILogger logger, string webhook, int attempt, string outcome, double delayMs);
}
