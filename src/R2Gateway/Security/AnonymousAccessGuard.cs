using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace R2Gateway.Security;

/// <summary>Safe by default: without tokens the gateway serves loopback only. Listening anywhere
/// else without tokens stops start-up, unless <c>Auth:AllowAnonymous=true</c> says it is on purpose.</summary>
public sealed partial class AnonymousAccessGuard(IServer server, IOptions<AuthOptions> auth, ILogger<AnonymousAccessGuard> logger) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (auth.Value.Enabled)
        {
            return Task.CompletedTask;
        }

        var exposed = (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Where(a => !IsLoopback(a)).ToList();
        if (exposed.Count == 0)
        {
            return Task.CompletedTask;
        }

        if (!auth.Value.AllowAnonymous)
        {
            throw new InvalidOperationException(Refusal(exposed));
        }

        LogAnonymous(logger, string.Join(", ", exposed));
        return Task.CompletedTask;
    }

    /// <summary>Decided from configuration before anything listens: why the gateway must not start,
    /// or null. The hosted check above stays for addresses bound in code.</summary>
    public static string? RefusalBeforeStart(IConfiguration configuration, AuthOptions auth)
    {
        if (auth.Enabled || auth.AllowAnonymous)
        {
            return null;
        }

        // The S3 endpoint's own listener (S3Api:Urls) too, so neither binds before the refusal.
        var s3 = (configuration["S3Api:Urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var exposed = ConfiguredAddresses(configuration).Concat(s3).Where(a => !IsLoopback(a)).ToList();
        return exposed.Count == 0 ? null : Refusal(exposed);
    }

    /// <summary>What Kestrel will bind: Kestrel:Endpoints, then urls, then http_ports/https_ports
    /// (all interfaces), else localhost:5000.</summary>
    public static IEnumerable<string> ConfiguredAddresses(IConfiguration configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        var urls = (configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ports = (configuration["http_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}")
            .Concat((configuration["https_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"https://*:{p}"));
        return endpoints.Concat(urls.Length > 0 ? urls : ports).DefaultIfEmpty("http://localhost:5000");
    }

    private static string Refusal(IEnumerable<string> exposed) =>
        $"The gateway listens on {string.Join(", ", exposed)} without access control. Configure Auth:Tokens (see 'token create'), "
        + "listen on loopback only, or set Auth:AllowAnonymous=true to serve everyone on purpose.";

    public static bool IsLoopback(string address)
    {
        var host = BindingAddress.Parse(address).Host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:AllowAnonymous is set: anyone who can reach {Addresses} can read, write and delete every object")]
    private static partial void LogAnonymous(ILogger logger, string addresses);
}
