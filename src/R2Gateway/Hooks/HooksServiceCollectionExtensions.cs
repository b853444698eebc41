using Microsoft.Extensions.DependencyInjection.Extensions;
using R2Gateway.Events;

namespace R2Gateway.Hooks;

public static class HooksServiceCollectionExtensions
{
    /// <summary>The pre-upload hook (<c>Hooks:PreUpload</c>) and the per-token upload rules.</summary>
    public static IServiceCollection AddUploadHooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PreUploadHookOptions>().BindConfiguration(PreUploadHookOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Url is null || (o.Url.IsAbsoluteUri && (o.Url.Scheme == Uri.UriSchemeHttp || o.Url.Scheme == Uri.UriSchemeHttps)),
                "Hooks:PreUpload:Url must be an absolute http(s) URL.")
            .ValidateOnStart();
        services.TryAddSingleton(new EventBucket(configuration["Events:Bucket"] ?? configuration["Storage:S3:Bucket"] ?? "r2gateway"));
        services.TryAddSingleton(TimeProvider.System);
        var client = services.AddHttpClient(PreUploadHook.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        if (configuration["Hooks:PreUpload:Secret"] is { Length: > 0 } secret)
        {
            client.AddHttpMessageHandler(sp => new WebhookSigningHandler(secret, sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<PreUploadHook>();
        return services;
    }

    /// <summary>Puts the token's upload rules and the pre-upload hook in front of an upload action.</summary>
    public static RouteHandlerBuilder WithUploadChecks(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<UploadChecksFilter>().ProducesProblem(StatusCodes.Status403Forbidden);
}
