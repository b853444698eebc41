using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace R2Gateway.S3Api;

public static class S3ApiServiceCollectionExtensions
{
    /// <summary>The S3 endpoint: its listener, the SigV4 authentication scheme, and the Data Protection
    /// key ring that keeps the S3 secrets in configuration unreadable without it.</summary>
    public static IServiceCollection AddS3Api(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<S3ApiOptions>().BindConfiguration(S3ApiOptions.Section)
            .Validate(o => Storage.BucketNames.IsValid(o.Bucket),
                "S3Api:Bucket must be 3 to 63 lower-case letters, digits or '-', starting and ending with a letter or digit.")
            .ValidateOnStart();
        services.AddDataProtection().SetApplicationName("R2Gateway").PersistKeysToFileSystem(new DirectoryInfo(KeysPath(configuration)));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<S3Credentials>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, SigV4AuthenticationHandler>(SigV4AuthenticationHandler.SchemeName, null);
        services.AddSingleton<S3ApiServer>();
        services.AddHostedService(sp => sp.GetRequiredService<S3ApiServer>());
        return services;
    }

    /// <summary>Where the key ring lives: S3Api:KeysPath, or keys/ in the filesystem store's root (the /data volume in Docker).</summary>
    public static string KeysPath(IConfiguration configuration) =>
        Path.GetFullPath(configuration[$"{S3ApiOptions.Section}:{nameof(S3ApiOptions.KeysPath)}"] is { Length: > 0 } path
            ? path
            : Path.Combine(configuration["Storage:FileSystem:Root"] ?? "./data", "keys"));
}
