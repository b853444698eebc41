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
        });
        services.AddSingleton<GatewayRateLimiters>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectAsync;
        });
        services.AddOptions<RateLimiterOptions>().Configure<GatewayRateLimiters>((o, shared) =>
        {
            // Health checks and the page are never limited; without a request limit nothing is asked per request.
            o.GlobalLimiter = !shared.LimitsRequests
                ? null
                : shared.Requests.WithTranslatedKey<HttpContext>(c => c.Request.AddressesObject() ? GatewayRateLimiters.Caller(c) : "", leaveOpen: true);
            o.AddPolicy(UploadsPolicy, new SharedUploadsPolicy(shared));
        });
        return services;
    }

    /// <summary>Puts part uploads and puts under the per-token concurrency limit.</summary>
    public static RouteHandlerBuilder LimitConcurrentUploads(this RouteHandlerBuilder endpoint) => endpoint.RequireRateLimiting(UploadsPolicy);

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        await ContractErrors.WriteAsync(rejected.HttpContext, Error.SlowDown(GatewayRateLimiters.RetryAfterSeconds(rejected.Lease)));
    }

    /// <summary>The rate limiting middleware keeps its own limiter per policy; this one hands it views of
    /// the shared limiter instead, so a token's uploads count once whichever API they come through.</summary>
    private sealed class SharedUploadsPolicy(GatewayRateLimiters shared) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            RateLimitPartition.Get(GatewayRateLimiters.Caller(httpContext), caller => new View(shared.Uploads, caller));

        private sealed class View(PartitionedRateLimiter<string> inner, string caller) : RateLimiter
        {
            // Holds no state of its own: the middleware may drop it whenever it likes.
            public override TimeSpan? IdleDuration => TimeSpan.MaxValue;

            public override RateLimiterStatistics? GetStatistics() => inner.GetStatistics(caller);

            protected override RateLimitLease AttemptAcquireCore(int permitCount) => inner.AttemptAcquire(caller, permitCount);

            protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
                inner.AcquireAsync(caller, permitCount, cancellationToken);
        }
    }
}

/// <summary>
/// The per-caller limiters (<see cref="LimitOptions"/>), one instance for the whole process: the
/// Worker API's middleware and the S3 endpoint draw on the same budget for the same token.
/// </summary>
public sealed class GatewayRateLimiters : IDisposable
{
    public GatewayRateLimiters(Microsoft.Extensions.Options.IOptions<LimitOptions> options)
    {
        var limits = options.Value;
        LimitsRequests = limits.RequestsPerWindow > 0;
        Requests = PartitionedRateLimiter.Create<string, string>(caller =>
            !LimitsRequests || caller.Length == 0
                ? RateLimitPartition.GetNoLimiter("")
                : RateLimitPartition.GetFixedWindowLimiter(caller, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.RequestsPerWindow,
                    Window = limits.Window,
                    QueueLimit = 0,
                }));
        Uploads = PartitionedRateLimiter.Create<string, string>(caller =>
            limits.ConcurrentUploadsPerToken <= 0
                ? RateLimitPartition.GetNoLimiter("")
                : RateLimitPartition.GetConcurrencyLimiter(caller, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = limits.ConcurrentUploadsPerToken,
                    QueueLimit = 0,
                }));
    }

    /// <summary>False when <c>Limits:RequestsPerWindow</c> is 0 or less: no request is limited.</summary>
    public bool LimitsRequests { get; }

    /// <summary>Requests per caller per window; the empty caller is never limited.</summary>
    public PartitionedRateLimiter<string> Requests { get; }

    /// <summary>Puts and part uploads in flight per caller.</summary>
    public PartitionedRateLimiter<string> Uploads { get; }

    /// <summary>A token, or the client's address (no token, or a presigned URL, which names no token).</summary>
    public static string Caller(HttpContext context) =>
        context.User.Identity is { Name: { } name, AuthenticationType: not PresignedUrlAuthenticationHandler.SchemeName }
            ? $"token:{name}"
            : $"ip:{context.Connection.RemoteIpAddress}";

    public static int RetryAfterSeconds(RateLimitLease lease) =>
        Math.Max(1, (int)Math.Ceiling((lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1)).TotalSeconds));

    public void Dispose()
    {
        Requests.Dispose();
        Uploads.Dispose();
    }
}
