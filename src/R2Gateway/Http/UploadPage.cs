using Microsoft.Extensions.Options;
using R2Gateway.Storage;
using R2Gateway.Storage.S3;

namespace R2Gateway.Http;

/// <summary>The <c>Page</c> section: where the upload page may send its token.</summary>
public sealed class PageOptions
{
    public const string Section = "Page";

    /// <summary>Origins (<c>https://gw.example.com</c>) that <c>?gateway=</c> may name besides the
    /// page's own; the page sends its bearer token to no other.</summary>
    public List<string> GatewayOrigins { get; set; } = [];
}

public static class UploadPage
{
    public const string ConfigPath = "/page-config.json";

    public static IServiceCollection AddUploadPage(this IServiceCollection services)
    {
        services.AddOptions<PageOptions>().BindConfiguration(PageOptions.Section)
            .Validate(o => o.GatewayOrigins.All(IsOrigin), "Page:GatewayOrigins holds origins only: scheme://host[:port], nothing after it.");
        return services;
    }

    /// <summary>The upload page and its files (wwwroot) at <c>/</c>, for requests without
    /// <c>?action=</c>; served before routing, so the catch-all object route does not shadow them.
    /// The page may not be framed, runs only its own scripts, and talks only to its gateways.</summary>
    public static WebApplication UseUploadPage(this WebApplication app)
    {
        app.UseWhen(c => !c.Request.AddressesObject(), page =>
        {
            page.Map(ConfigPath, config => config.Run(context =>
                context.Response.WriteAsJsonAsync(new { gatewayOrigins = Options(context).GatewayOrigins })));
            // The page's own files only: Swagger UI, also served here, brings inline scripts of its own.
            page.UseDefaultFiles().UseStaticFiles(new StaticFileOptions
            {
                OnPrepareResponse = file =>
                {
                    var h = file.Context.Response.Headers;
                    h.ContentSecurityPolicy = ContentSecurityPolicy(file.Context);
                    h.XFrameOptions = "DENY";
                    h.XContentTypeOptions = "nosniff";
                },
            });
        });
        return app;
    }

    private static PageOptions Options(HttpContext context) => context.RequestServices.GetRequiredService<IOptions<PageOptions>>().Value;

    private static string ContentSecurityPolicy(HttpContext context)
    {
        // The page sends its S3 requests straight to the bucket with the S3 store (path-style or
        // virtual-hosted), to the gateway's S3 endpoint otherwise.
        var connect = new List<string> { "'self'" };
        connect.AddRange(Options(context).GatewayOrigins);
        // and their S3 endpoints, which the page's uploads go to: the same hosts on another port.
        connect.AddRange(Options(context).GatewayOrigins.Select(o => new Uri(o)).Select(o => $"{o.Scheme}://{o.Host}:*"));
        if (context.RequestServices.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.S3)
        {
            var endpoint = context.RequestServices.GetRequiredService<IOptions<S3StoreOptions>>().Value.Endpoint;
            connect.Add(endpoint.GetLeftPart(UriPartial.Authority));
            connect.Add($"{endpoint.Scheme}://*.{endpoint.Authority}");
        }
        else if (context.RequestServices.GetRequiredService<S3Api.S3ApiServer>().PublicBucketUrl(context.Request) is { } s3)
        {
            connect.Add(s3.GetLeftPart(UriPartial.Authority)); // the gateway's S3 endpoint, which the page's uploads go to
        }

        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            + $"connect-src {string.Join(' ', connect)}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    private static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.GetLeftPart(UriPartial.Authority) == origin.TrimEnd('/');
}
