using Amazon.S3;
using Microsoft.Extensions.Options;
using R2Gateway.S3Api;
using R2Gateway.Security;
using R2Gateway.Storage.FileSystem;
using R2Gateway.Storage.S3;

namespace R2Gateway.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the <see cref="IObjectStore"/> that <c>Storage:Provider</c> names.</summary>
    public static IServiceCollection AddObjectStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"], timeout: TimeSpan.FromSeconds(5));
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<PresignOptions>().BindConfiguration(PresignOptions.Section);

        // The Worker API's bucket, by the name the S3 endpoint shows it under (S3Api:Bucket).
        var defaultBucket = configuration["S3Api:Bucket"] is { Length: > 0 } configured ? configured : "r2gateway";
        var provider = configuration.GetValue($"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}", StorageProvider.FileSystem);
        switch (provider)
        {
            case StorageProvider.FileSystem:
                services.AddOptions<FileSystemStoreOptions>().BindConfiguration(FileSystemStoreOptions.Section).ValidateDataAnnotations().ValidateOnStart();
                services.AddSingleton<FileSystemObjectStore>();
                services.AddSingleton(sp => ActivatorUtilities.CreateInstance<FileSystemBucketStores>(sp, defaultBucket));
                services.AddSingleton<IBucketStores>(sp => sp.GetRequiredService<FileSystemBucketStores>());
                services.AddHostedService<IncompleteUploadSweeper>();
                services.AddSingleton<GatewayUrlSigner>();
                services.AddSingleton<IPresigner>(sp => sp.GetRequiredService<GatewayUrlSigner>());
                services.AddSingleton<GatewayS3Signer>();
                services.AddSingleton<IS3RequestSigner>(sp => sp.GetRequiredService<GatewayS3Signer>());
                break;
            case StorageProvider.S3:
                services.AddOptions<S3StoreOptions>().BindConfiguration(S3StoreOptions.Section).ValidateOnStart();
                services.AddSingleton<IValidateOptions<S3StoreOptions>, S3StoreOptionsValidator>();
                services.AddSingleton<IAmazonS3>(sp => S3ClientFactory.Create(sp.GetRequiredService<IOptions<S3StoreOptions>>().Value));
                services.AddSingleton<IBucketStores>(sp => ActivatorUtilities.CreateInstance<S3BucketStores>(sp, defaultBucket));
                services.AddSingleton<IPresigner, S3Presigner>();
                services.AddSingleton<IS3RequestSigner, BucketS3Signer>();
                break;
            default:
                throw new InvalidOperationException($"Storage:Provider '{provider}' is not known; use FileSystem or S3.");
        }

        // The Worker API's store: the default bucket's, decorated like every other.
        services.AddSingleton<IObjectStore>(sp => sp.GetRequiredService<IBucketStores>().DefaultStore);

        return services;
    }
}
