using Microsoft.AspNetCore.Cors.Infrastructure;

namespace R2Gateway.Http;

/// <summary>The <c>Cors</c> section: origins whose pages may call the gateway from a browser.</summary>
public sealed class CorsSettings
{
    public const string Section = "Cors";

    /// <summary>Exact origins (scheme://host:port); empty means same-origin pages only.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

public static class GatewayCors
{
    /// <summary>Headers a cross-origin page may read: without ETag exposed a browser cannot see a
    /// part's etag, and cannot complete a multipart upload. Uppy's AwsS3 also reads x-amz-error-code.</summary>
    public static readonly string[] ExposedHeaders = ["ETag", "Content-Length", "Content-Range", "Accept-Ranges", "Last-Modified", "Content-Disposition", "x-amz-checksum-sha256", "x-amz-request-id", "x-amz-error-code"];

    public static readonly string[] Methods = ["GET", "HEAD", "PUT", "POST", "DELETE"];

    public static IServiceCollection AddGatewayCors(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = configuration.GetSection(CorsSettings.Section).Get<CorsSettings>()?.AllowedOrigins ?? [];
        // The framework registers its provider as transient, and the CORS middleware asks for one on every
        // request, with or without an Origin; it holds only the options, so one serves all (AddCors keeps it).
        services.AddSingleton<ICorsPolicyProvider, DefaultCorsPolicyProvider>();
        return services.AddCors(o => o.AddDefaultPolicy(policy => policy
            .WithOrigins(origins)
            .WithMethods(Methods)
            .AllowAnyHeader()
            .WithExposedHeaders(ExposedHeaders)
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
    }
}
