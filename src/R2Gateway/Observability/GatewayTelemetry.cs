using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using R2Gateway.Http;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway.Observability;

/// <summary>OpenTelemetry: ASP.NET Core's, Kestrel's, HttpClient's, the runtime's and the gateway's meters,
/// served at <c>/metrics</c> for Prometheus; one span per request with child spans per store call;
/// both exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</summary>
public static class GatewayTelemetry
{
    public const string MetricsPath = "/metrics";

    private static readonly string[] AspNetCoreMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics"];

    /// <summary>Call after <c>AddObjectStore</c>: the store it registered is wrapped in <see cref="InstrumentedObjectStore"/>.</summary>
    public static WebApplicationBuilder AddGatewayTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.MetricsTokenHash) || IsTokenHash(o.MetricsTokenHash),
                $"Telemetry:MetricsTokenHash must be '{TokenHash.Prefix}' and 64 hex digits; make one with 'token create'.")
            .ValidateOnStart();
        builder.Services.AddSingleton<GatewayMetrics>();
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        var store = builder.Configuration.GetValue($"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}", StorageProvider.FileSystem)
            .ToString().ToLowerInvariant();
        DecorateStore(builder.Services, store, options.KeyInSpans);

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "r2gateway"))
            .WithMetrics(metrics =>
            {
                // ASP.NET Core's meters by name rather than AddAspNetCoreInstrumentation, which also listens to
                // routing, authentication, authorization, rate limiting and the memory pool: per-request (per
                // buffer, for the pool) measurements that cost several % of a 4 KiB GET and say nothing that
                // http.server.* and r2gw.* (refusals by reason) do not (benchmarks.md, "Observability cost").
                metrics.AddMeter(AspNetCoreMeters).AddHttpClientInstrumentation().AddRuntimeInstrumentation()
                    .AddMeter(GatewayMetrics.Name, Events.EventMetrics.MeterName)
                    .AddPrometheusExporter();
                // Meters made by another host's IMeterFactory in the same process (tests run several hosts)
                // share their names with this host's: only this host's are reported.
                ((IDeferredMeterProviderBuilder)metrics).Configure((services, b) =>
                {
                    var own = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
                    b.AddView(instrument => instrument.Meter.Scope is System.Diagnostics.Metrics.IMeterFactory scope && scope != own
                        ? MetricStreamConfiguration.Drop
                        : null);
                });
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            // Spans are recorded only when something receives them; without a collector the request's
            // trace id (for the log lines) still comes from ASP.NET Core's own activity.
            otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = context => !IsScrape(context);
                    o.EnrichWithHttpResponse = (activity, response) => EnrichRequestSpan(activity, response.HttpContext, options.KeyInSpans);
                })
                .AddHttpClientInstrumentation()
                .AddSource(GatewayMetrics.Name)
                .AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>Prometheus scraping at <c>/metrics</c>, ahead of routing and rate limiting (never limited), only on
    /// <see cref="TelemetryOptions.MetricsPort"/> when set and only with the bearer token when one is configured.</summary>
    public static WebApplication UseGatewayMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        var tokenHash = string.IsNullOrEmpty(options.MetricsTokenHash) ? null : TokenHash.Parse(options.MetricsTokenHash);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => IsScrape(context) && (options.MetricsPort == 0 || context.Connection.LocalPort == options.MetricsPort),
            path: null,
            configureBranchedPipeline: tokenHash is null ? null : branch => branch.Use(async (context, next) =>
            {
                if (HasToken(context.Request, tokenHash))
                {
                    await next(context);
                    return;
                }

                await ContractErrors.WriteAsync(context, Error.Unauthorized("Scraping /metrics needs the metrics bearer token.", "Bearer"));
            }),
            optionsName: null);
        return app;
    }

    /// <summary>A request for /metrics; <c>/metrics?action=…</c> addresses the object named "metrics".</summary>
    private static bool IsScrape(HttpContext context) =>
        context.Request.Path.Equals(MetricsPath, StringComparison.Ordinal) && !context.Request.AddressesObject();

    private static bool HasToken(HttpRequest request, byte[] expectedHash)
    {
        var header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(header[bearer.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(hash, expectedHash);
    }

    private static bool IsTokenHash(string hash)
    {
        try
        {
            TokenHash.Parse(hash);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>The action and key on the request's span; the query string (signatures) is dropped.</summary>
    private static void EnrichRequestSpan(System.Diagnostics.Activity activity, HttpContext context, KeyInSpans keyInSpans)
    {
        activity.SetTag("url.query", null);
        if (context.GetEndpoint()?.Metadata.GetMetadata<ObjectActionMetadata>() is { } action && !action.IsUnmatched)
        {
            activity.SetTag("r2gw.action", action.Action);
            InstrumentedObjectStore.TagKey(activity, RequestAccounting.KeyForLog(context), keyInSpans);
        }
    }

    private static void DecorateStore(IServiceCollection services, string store, KeyInSpans keyInSpans) =>
        services.AddSingleton<IObjectStoreDecorator>(sp => new InstrumentedStores(store, sp.GetRequiredService<GatewayMetrics>(), keyInSpans));

    /// <summary>Every bucket's store is instrumented.</summary>
    private sealed class InstrumentedStores(string store, GatewayMetrics metrics, KeyInSpans keyInSpans) : IObjectStoreDecorator
    {
        public IObjectStore Decorate(string bucket, bool isDefault, IObjectStore inner) => new InstrumentedObjectStore(inner, store, metrics, keyInSpans);
    }
}
