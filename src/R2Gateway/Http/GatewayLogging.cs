using Microsoft.Extensions.DependencyInjection.Extensions;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace R2Gateway.Http;

public static class GatewayLogging
{
    /// <summary>The request log's source: <c>Serilog:MinimumLevel:Override</c> set to Warning for it turns the
    /// per-request lines off (audit lines stay).</summary>
    public const string RequestLogSource = "Serilog.AspNetCore.RequestLoggingMiddleware";

    /// <summary>True: every log line goes to stderr. Commands set it, so their stdout is their output alone
    /// (<c>token create --json | jq</c>), whatever a first run of the key ring logs.</summary>
    public const string ToStandardErrorKey = "Logging:ToStandardError";

    /// <summary>Serilog to the console: readable text in Development, one JSON object per line (with the
    /// trace and span ids) otherwise. JSON lines gather in one buffer written every few milliseconds
    /// (<see cref="BufferedConsoleSink"/>), text lines in Serilog's queue written by one background thread,
    /// so a request does not wait for the console; both are drained when the host stops. Levels come
    /// from the <c>Serilog</c> configuration section; sinks registered as services (tests) are added.</summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        LogEventLevel? toStandardError = builder.Configuration.GetValue<bool>(ToStandardErrorKey) ? LogEventLevel.Verbose : null;
        builder.Logging.ClearProviders();
        var json = builder.Environment.IsDevelopment() ? null : new BufferedConsoleSink(new RenderedCompactJsonFormatter(), toStandardError is not null ? Console.OpenStandardError() : Console.OpenStandardOutput());
        // preserveStaticLogger: the logger belongs to this host (tests run several in one process) and is
        // disposed, so flushed, with it.
        builder.Services.AddSerilog((services, config) =>
        {
            config
                // IHttpClientFactory's four Information lines per webhook or hook call drown the gateway's own
                // delivery lines; set before the configuration so Serilog:MinimumLevel:Override can bring them back.
                .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                // The request log replaces ASP.NET Core's own request lines, which carry the query string (signatures).
                .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LogEventLevel.Warning)
                .Enrich.FromLogContext();
            if (json is not null)
            {
                config.WriteTo.Sink(json);
            }
            else
            {
                // blockWhenFull: under a burst beyond 10,000 queued lines requests wait rather than lose audit lines.
                config.WriteTo.Async(
                    sink => sink.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: toStandardError),
                    bufferSize: 10_000, blockWhenFull: true);
            }
        }, preserveStaticLogger: true);
        // Serilog's factory (registered last, over the framework's), wrapped: see CachingLoggerFactory.
        var serilogFactory = builder.Services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        builder.Services.RemoveAll<ILoggerFactory>();
        builder.Services.AddSingleton<ILoggerFactory>(services =>
            new CachingLoggerFactory((ILoggerFactory)(serilogFactory.ImplementationInstance ?? serilogFactory.ImplementationFactory!(services))));
        return builder;
    }

    /// <summary>One line per request (Serilog.AspNetCore's request logging): method, key, action, status,
    /// bytes in and out, milliseconds. The query string is never logged: it may carry signatures.
    /// Then <see cref="RequestAccounting"/>, which counts the bytes and writes the audit lines.</summary>
    public static IApplicationBuilder UseGatewayRequestLog(this IApplicationBuilder app)
    {
        app.UseSerilogRequestLogging(o =>
        {
            o.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
            o.MessageTemplate = "{RequestMethod:l} {Key:l} action={Action:l} -> {StatusCode} in={BytesIn} out={BytesOut} {Elapsed:0.0} ms";
            o.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error : LogEventLevel.Information;
            // The line's properties in one array, instead of Serilog's four defaults plus ours through its
            // diagnostic context (a dictionary per request); StatusCode is 499 when the client went away.
            o.GetMessageTemplateProperties = (context, path, elapsed, status) =>
            {
                var action = context.Request.Action() ?? "";
                return new LogEventProperty[]
                {
                    new("RequestMethod", new ScalarValue(context.Request.Method)),
                    new("RequestPath", new ScalarValue(path)),
                    new("Key", new ScalarValue(action.Length > 0 ? RequestAccounting.KeyForLog(context) : path)),
                    new("Action", new ScalarValue(action)),
                    new("StatusCode", new ScalarValue(RequestAccounting.Status(context, status))),
                    new("BytesIn", new ScalarValue(RequestAccounting.BytesIn(context))),
                    new("BytesOut", new ScalarValue(context.Response.ContentLength)),
                    new("Elapsed", new ScalarValue(elapsed)),
                };
            };
        });
        return app.UseMiddleware<RequestAccounting>();
    }
}
