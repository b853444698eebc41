using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.Security;

namespace R2Gateway.S3Api;

/// <summary>
/// The S3 endpoint's own Kestrel listener on <see cref="S3ApiOptions.Urls"/>, beside the Worker
/// API's, sharing the application's services (store, options, authentication) but not its routes.
/// Safe by default like the Worker API: without tokens it may listen on loopback only.
/// </summary>
public sealed partial class S3ApiServer(
    IServiceProvider services, IOptions<S3ApiOptions> options, IOptions<AuthOptions> auth, IOptions<KestrelServerOptions> mainKestrel,
    IOptions<SocketTransportOptions> transport, IHttpContextFactory contexts, ILoggerFactory loggerFactory, ILogger<S3ApiServer> logger) : IHostedService, IAsyncDisposable
{
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];
    private KestrelServer? _server;

    /// <summary>The addresses it listens on once started (the real ports when configured with port 0).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        services.GetRequiredService<S3Credentials>().Load();
        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        var limits = mainKestrel.Value.Limits;
        kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.Limits.MinRequestBodyDataRate = limits.MinRequestBodyDataRate;
        kestrel.Limits.MaxRequestBufferSize = limits.MaxRequestBufferSize;
        foreach (var url in options.Value.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var address = BindingAddress.Parse(url);
            if (address.Scheme != "http")
            {
                throw new InvalidOperationException($"S3Api:Urls '{url}': the S3 endpoint serves http; put TLS in a reverse proxy in front of it.");
            }

            if (!auth.Value.Enabled && !auth.Value.AllowAnonymous && !AnonymousAccessGuard.IsLoopback(url))
            {
                throw new InvalidOperationException(
                    $"The S3 endpoint would listen on {url} without access control. Configure Auth:Tokens (see 'token create'), "
                    + "listen on loopback only, or set Auth:AllowAnonymous=true to serve everyone on purpose.");
            }

            var host = address.Host.Trim('[', ']');
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                kestrel.ListenLocalhost(address.Port);
            }
            else if (IPAddress.TryParse(host, out var ip))
            {
                kestrel.Listen(ip, address.Port);
            }
            else
            {
                kestrel.ListenAnyIP(address.Port);
            }
        }

        var endpoint = ActivatorUtilities.CreateInstance<S3Endpoint>(services);
        var app = new ApplicationBuilder(services);
        // Browsers: the upload page (served by the Worker API, so another origin) sends the S3 requests
        // the gateway signs for it, and reads their ETag.
        var pageOrigins = new Lazy<HashSet<string>>(PageOrigins); // on first use: the Worker API listens by then
        app.UseCors(policy => policy.SetIsOriginAllowed(origin => pageOrigins.Value.Contains(origin)).WithMethods(GatewayCors.Methods).AllowAnyHeader()
            .WithExposedHeaders(GatewayCors.ExposedHeaders).SetPreflightMaxAge(TimeSpan.FromMinutes(10)));
        app.UseCloseOnUnsentBody();
        app.UseGatewayRequestLog();
        app.Run(endpoint.InvokeAsync);
        // The host's transport options, not new ones: they carry Kestrel's pinned-block memory pool. A bare
        // SocketTransportOptions falls back to MemoryPool<byte>.Shared, and every socket read then rents (and,
        // with ten uploads in flight, allocates and zeroes) arrays from the shared ArrayPool.
        _server = new KestrelServer(Options.Create(kestrel), new SocketTransportFactory(transport, loggerFactory), loggerFactory);
        await _server.StartAsync(new Application(app.Build(), contexts), cancellationToken);
        Addresses = _server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var listening = string.Join(", ", Addresses);
        LogListening(logger, listening, options.Value.Bucket);
    }

    /// <summary>Where a browser reaches the endpoint's bucket: S3Api:PublicUrl, or the first address it
    /// listens on with a wildcard host (0.0.0.0, [::], +, *) replaced by the host of <paramref name="request"/>.</summary>
    public Uri? PublicBucketUrl(HttpRequest request)
    {
        var baseUrl = options.Value.PublicUrl?.ToString() ?? (Addresses.Count > 0 ? Addresses[0] : null);
        if (baseUrl is null)
        {
            return null;
        }

        var uri = new UriBuilder(baseUrl.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = request.Host.Host;
        }

        uri.Path = uri.Path.TrimEnd('/') + "/" + options.Value.Bucket;
        return uri.Uri;
    }

    /// <summary>Origins whose pages may call the endpoint: Cors:AllowedOrigins and the Worker API's
    /// own (its page), from Presign:PublicBaseUrl and the addresses it listens on.</summary>
    private HashSet<string> PageOrigins()
    {
        var origins = new HashSet<string>(services.GetRequiredService<IConfiguration>().GetSection(CorsSettings.Section).Get<CorsSettings>()?.AllowedOrigins ?? [], StringComparer.OrdinalIgnoreCase);
        if (services.GetRequiredService<IOptions<PresignOptions>>().Value.PublicBaseUrl is { } publicBase)
        {
            origins.Add(publicBase.GetLeftPart(UriPartial.Authority));
        }

        foreach (var address in services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri))
            {
                origins.Add(uri.GetLeftPart(UriPartial.Authority));
                if (uri.IsLoopback)
                {
                    origins.UnionWith(LoopbackHosts.Select(h => $"{uri.Scheme}://{h}:{uri.Port}"));
                }
            }
        }

        return origins;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "S3 endpoint listening on {Addresses}, bucket {Bucket}")]
    private static partial void LogListening(ILogger logger, string addresses, string bucket);

    private sealed class Application(RequestDelegate pipeline, IHttpContextFactory contexts) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => contexts.Create(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => pipeline(context);

        public void DisposeContext(HttpContext context, Exception? exception) => contexts.Dispose(context);
    }
}
