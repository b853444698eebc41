using R2Gateway.Actions;
using R2Gateway.Events;
using R2Gateway.Hooks;
using R2Gateway.Http;
using R2Gateway.Observability;
using R2Gateway.S3Api;
using R2Gateway.Security;
using R2Gateway.Storage;

namespace R2Gateway;

/// <summary>The gateway as an application: its services (<see cref="CreateBuilder(string[])"/>), then
/// its request pipeline and endpoints (<see cref="UseGateway"/>). Program.cs runs it as a process;
/// tests host the same application in theirs, with their own settings, on a free port.</summary>
public static class GatewayApp
{
    /// <summary>A builder with every service of the gateway, configured as a process is: appsettings.json,
    /// environment variables, then <paramref name="args"/> (<c>--Section:Key=value</c>).</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) => CreateBuilder(new WebApplicationOptions { Args = args });

    /// <param name="options">The host's environment, content root and arguments.</param>
    /// <param name="settings">Configuration that wins over every other source; added before any service
    /// reads the configuration (a host that sets its own in code, such as a test).</param>
    public static WebApplicationBuilder CreateBuilder(WebApplicationOptions options, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        // Settings are read once (the gateway's options are IOptions, not monitors), so nothing needs
        // appsettings.json watched; and the watcher is recursive over the content root, so with the store
        // under it (./data, the default) every write to the store was an inotify event for it: 0.3-0.6
        // CPU-s more per GiB put. First, so an operator's own --hostBuilder:reloadConfigOnChange wins.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. options.Args ?? []],
            ApplicationName = options.ApplicationName,
            ContentRootPath = options.ContentRootPath,
            EnvironmentName = options.EnvironmentName,
            WebRootPath = options.WebRootPath,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddGatewayLogging();
        builder.Services.AddObjectStore(builder.Configuration);
        builder.AddGatewayTelemetry();
        builder.Services.AddGatewayEvents(builder.Configuration);
        builder.Services.AddUploadHooks(builder.Configuration);
        builder.Services.AddProblemDetails(ContractProblems.Customize);
        builder.Services.AddExceptionHandler<ContractExceptionHandler>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Routing.MatcherPolicy, ObjectActionMatcherPolicy>();
        builder.Services.AddGatewayOpenApi();
        builder.Services.AddGatewayCors(builder.Configuration);
        builder.Services.AddGatewayAccessControl();
        builder.Services.AddGatewayLimits(builder.Configuration);
        builder.Services.AddConnectionBuffers();
        builder.Services.AddOptions<ObjectResponseOptions>().BindConfiguration(ObjectResponseOptions.Section);
        builder.Services.AddUploadPage();
        builder.Services.AddS3Api(builder.Configuration);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    /// <summary>The middleware, in order, and the endpoints: health, the upload page, the API docs and
    /// the object actions (<see cref="ActionTable"/>). Call it once a start is not refused
    /// (<see cref="SecurityServiceCollectionExtensions.StartRefusal"/>).</summary>
    public static WebApplication UseGateway(this WebApplication app)
    {
        app.UseCloseOnUnsentBody();
        app.UseGatewayRequestLog();
        app.UseGatewayMetrics();
        app.UseExceptionHandler();
        app.UseMiddleware<ProblemBodies>();
        app.UseUploadPage();
        app.UseRouting();
        app.UseCors();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseGatewayApiDocs();

        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapObjectActions();
        return app;
    }
}
