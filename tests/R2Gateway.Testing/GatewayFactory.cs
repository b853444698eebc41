using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace R2Gateway.Testing;

/// <summary>A gateway on a real Kestrel port on loopback, so tests go over the wire (body limits,
/// chunked bodies, dropped connections) and external clients such as the seed's Python script can reach it.</summary>
public class GatewayFactory : WebApplicationFactory<Program>
{
    // WebApplicationFactory finds the host it builds through a process-wide DiagnosticListener,
    // so two factories starting at once (tests run in parallel) can catch each other's host.
    private static readonly Lock StartLock = new();

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private GatewayFactory(IDictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        _settings = new Dictionary<string, string?>(settings);
        _settings.TryAdd("S3Api:Urls", "http://127.0.0.1:0"); // the S3 endpoint on a free port, never the fixed default
        _services = services;
        UseKestrel(0);
    }

    /// <summary>Starts a gateway with these settings (and test services) on a free loopback port.</summary>
    public static GatewayFactory Start(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var factory = new GatewayFactory(settings, services);
            try
            {
                lock (StartLock)
                {
                    factory.StartServer();
                }

                return factory;
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("IServerAddressesFeature", StringComparison.Ordinal))
            {
                // WebApplicationFactory now and then catches a host in the wrong state while other
                // tests start theirs; a fresh factory starts cleanly.
                factory.Dispose();
            }
        }
    }

    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }
}

/// <summary>What the contract suite needs from a store under test: a client of a gateway backed by it.</summary>
public interface IGatewayFixture
{
    HttpClient Client { get; }

    Uri BaseAddress { get; }

    /// <summary>A client for URLs the gateway hands out (presigned URLs may point at the bucket).</summary>
    HttpClient UrlClient { get; }

    /// <summary>The gateway's services, e.g. for <see cref="ServerSignals"/>.</summary>
    IServiceProvider Services { get; }
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
