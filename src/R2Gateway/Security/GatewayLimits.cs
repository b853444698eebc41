using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using R2Gateway.Http;

namespace R2Gateway.Security;

/// <summary>The <c>Limits</c> section: what one client may ask of the gateway.</summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>Requests per token (or per client address without one) in each <see cref="Window"/>; 0 = no limit.</summary>
    public int RequestsPerWindow { get; set; } = 6000;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Part uploads and puts one token may have in flight at once; 0 = no limit.</summary>
    public int ConcurrentUploadsPerToken { get; set; } = 32;

    /// <summary>A client that sends a body slower than this (after <see cref="BodyGracePeriod"/>) is cut off.</summary>
    public int MinBodyBytesPerSecond { get; set; } = 1024;

    public TimeSpan BodyGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a client may take to send its request headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public static class GatewayLimits
{
    private const string UploadsPolicy = "uploads";

    /// <summary>Per-token rate and upload concurrency (ASP.NET Core rate limiting, 429 with Retry-After),
    /// and Kestrel's header and body-rate timeouts so a stalled client cannot hold a connection.</summary>
    public static IServiceCollection AddGatewayLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section);
        var limits = configuration.GetSection(LimitOptions.Section).Get<LimitOptions>() ?? new LimitOptions();
        services.Configure<KestrelServerOptions>(k =>
        {
            k.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            k.Limits.MinRequestBodyDataRate = new MinDataRate(limits.MinBodyBytesPerSecond, limits.BodyGracePeriod);
            // Kestrel buffers up to this much of each request ahead of the handler (1 MiB by default):
            // with hundreds of uploads in flight that, not the data, would be the gateway's memory.
            k.Limits.MaxRequestBufferSize = 256 * 1024;
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectAsync;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                limits.RequestsPerWindow <= 0 || !context.Request.AddressesObject() // health checks and the page are never limited
                    ? RateLimitPartition.GetNoLimiter("unlimited")
                    : RateLimitPartition.GetFixedWindowLimiter(Caller(context), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.RequestsPerWindow,
                        Window = limits.Window,
                        QueueLimit = 0,
                    }));
            o.AddPolicy(UploadsPolicy, context =>
                limits.ConcurrentUploadsPerToken <= 0
                    ? RateLimitPartition.GetNoLimiter("unlimited")
                    : RateLimitPartition.GetConcurrencyLimiter(Caller(context), _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = limits.ConcurrentUploadsPerToken,
                        QueueLimit = 0,
                    }));
        });
        return services;
    }

    /// <summary>Puts part uploads and puts under the per-token concurrency limit.</summary>
    public static RouteHandlerBuilder LimitConcurrentUploads(this RouteHandlerBuilder endpoint) => endpoint.RequireRateLimiting(UploadsPolicy);

    /// <summary>A token, or the client's address (no token, or a presigned URL, which names no token).</summary>
    private static string Caller(HttpContext context) =>
        context.User.Identity is { Name: { } name, AuthenticationType: not PresignedUrlAuthenticationHandler.SchemeName }
            ? $"token:{name}"
            : $"ip:{context.Connection.RemoteIpAddress}";

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        rejected.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ContractErrors.Problem(StatusCodes.Status429TooManyRequests, "SlowDown",
            $"Too many requests from this client; retry after {rejected.HttpContext.Response.Headers.RetryAfter} s.").ExecuteAsync(rejected.HttpContext);
    }
}
