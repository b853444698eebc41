using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the <see cref="IObjectStore"/> that <c>Storage:Provider</c> names.</summary>
    public static IServiceCollection AddObjectStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"], timeout: TimeSpan.FromSeconds(5));
        services.AddSingleton(TimeProvider.System);

        var provider = configuration.GetValue($"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}", StorageProvider.FileSystem);
        switch (provider)
        {
            case StorageProvider.FileSystem:
                services.AddOptions<FileSystemStoreOptions>().BindConfiguration(FileSystemStoreOptions.Section).ValidateDataAnnotations().ValidateOnStart();
                services.AddSingleton<FileSystemObjectStore>();
                services.AddSingleton<IObjectStore>(sp => sp.GetRequiredService<FileSystemObjectStore>());
                services.AddHostedService<IncompleteUploadSweeper>();
                break;
            default:
                throw new InvalidOperationException($"Storage:Provider '{provider}' is not known; use FileSystem.");
        }

        return services;
    }
}
