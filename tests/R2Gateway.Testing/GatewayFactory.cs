using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using R2Gateway.Security;

namespace R2Gateway.Testing;

/// <summary>A gateway built by <see cref="GatewayApp"/> and started by the test on a free loopback port
/// (Kestrel on http://127.0.0.1:0), so tests go over the wire (body limits, chunked bodies, dropped
/// connections) and external clients such as the seed's Python script can reach it. Each has its own
/// host: gateways started at once by parallel tests share nothing.</summary>
public sealed class GatewayFactory : IDisposable, IAsyncDisposable
{
    /// <summary>The gateway's project directory (set by R2Gateway.Testing.csproj): the content root, as
    /// WebApplicationFactory chose it, so the upload page's wwwroot is served and no appsettings.json
    /// is read: a test states every setting it relies on.</summary>
    private static readonly string ContentRoot = typeof(GatewayFactory).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "GatewayContentRoot").Value!;

    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];
    private int _disposed;

    private GatewayFactory(WebApplication app, ServerSignals signals, Uri baseAddress)
    {
        _app = app;
        Signals = signals;
        BaseAddress = baseAddress;
    }

    /// <summary>Starts a gateway with these settings, which win over every other configuration source,
    /// and these test services, added after the gateway's own (so they replace them), on a free loopback port.</summary>
    public static GatewayFactory Start(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
        all.TryAdd(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        all.TryAdd("S3Api:Urls", "http://127.0.0.1:0"); // the S3 endpoint on a free port, never the fixed default
        var builder = GatewayApp.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ContentRootPath = ContentRoot,
            ApplicationName = typeof(GatewayApp).Assembly.GetName().Name, // the app's, not the test runner's
        }, all);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        var signals = new ServerSignals(app.Services); // before the first request, so its counts are exact
        try
        {
            // As Program.cs does, so a test's settings are held to the same rules as an operator's.
            if (app.StartRefusal() is { } refusal)
            {
                throw new InvalidOperationException($"The gateway refused to start: {refusal}");
            }

            app.UseGateway();
            // Off the test's synchronization context: hosted services resume on the thread pool.
            Task.Run(() => app.StartAsync()).GetAwaiter().GetResult();
        }
        catch
        {
            signals.Dispose();
            Task.Run(async () => await app.DisposeAsync()).GetAwaiter().GetResult();
            throw;
        }

        // The port Kestrel chose for port 0.
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new GatewayFactory(app, signals, new Uri(address));
    }

    /// <summary>Where the Worker API listens, e.g. http://127.0.0.1:40123/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The gateway's services (its store, options, meters; the S3 endpoint's addresses in
    /// <see cref="S3Api.S3ApiServer.Addresses"/>).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Requests in flight and leases held, counted from the gateway's first request.</summary>
    public ServerSignals Signals { get; }

    /// <summary>A client of <see cref="BaseAddress"/>, disposed with the gateway.</summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    public void Dispose() => Task.Run(async () => await DisposeAsync()).GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        Signals.Dispose();
    }
}

/// <summary>What the contract suite needs from a store under test: a client of a gateway backed by it.</summary>
public interface IGatewayFixture
{
    HttpClient Client { get; }

    Uri BaseAddress { get; }

    /// <summary>A client for URLs the gateway hands out (presigned URLs may point at the bucket).</summary>
    HttpClient UrlClient { get; }

    /// <summary>The gateway's services (its store, options, meters).</summary>
    IServiceProvider Services { get; }

    /// <summary>What the gateway is handling right now.</summary>
    ServerSignals Signals { get; }
}

/// <summary>A gateway on the embedded filesystem store, rooted in a fresh temp directory.</summary>
public sealed class FileSystemGateway : IGatewayFixture, IDisposable
{
    private readonly GatewayFactory _factory;
    private readonly bool _ownsRoot;

    public FileSystemGateway()
        : this(Directory.CreateTempSubdirectory("r2gw-fs-").FullName, null, ownsRoot: true)
    {
    }

    private FileSystemGateway(string root, IDictionary<string, string?>? settings, bool ownsRoot, Action<IServiceCollection>? services = null)
    {
        Root = root;
        _ownsRoot = ownsRoot;
        var all = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "FileSystem",
            ["Storage:FileSystem:Root"] = Root,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        _factory = GatewayFactory.Start(all, services);
        Client = _factory.CreateClient();
        Client.Timeout = TimeSpan.FromMinutes(2);
    }

    public string Root { get; }

    public HttpClient Client { get; }

    /// <summary>A gateway on <paramref name="root"/>, which several gateways may share; the caller deletes it.</summary>
    public static FileSystemGateway OnRoot(string root, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        new(root, settings, ownsRoot: false, services);

    public Uri BaseAddress => _factory.BaseAddress;

    public IServiceProvider Services => _factory.Services;

    public ServerSignals Signals => _factory.Signals;

    public HttpClient UrlClient { get; } = new();

    public void Dispose()
    {
        Client.Dispose();
        UrlClient.Dispose();
        _factory.Dispose();
        if (_ownsRoot)
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
