using Microsoft.Extensions.Options;

namespace R2Gateway.Storage.FileSystem;

/// <summary>The filesystem store's counterpart of R2's lifecycle rule: aborts multipart uploads
/// older than <see cref="StorageOptions.AbortIncompleteUploadsAfter"/>.</summary>
public sealed partial class IncompleteUploadSweeper(
    FileSystemBucketStores buckets,
    IOptions<StorageOptions> storage,
    IOptions<FileSystemStoreOptions> options,
    TimeProvider clock,
    ILogger<IncompleteUploadSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        do
        {
            try
            {
                var cutoff = clock.GetUtcNow() - storage.Value.AbortIncompleteUploadsAfter;
                var aborted = buckets.RawStores().Sum(store => store.Sweep(cutoff));
                if (aborted > 0)
                {
                    LogSwept(logger, aborted);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted {Count} multipart uploads older than the configured limit")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired uploads failed; will retry")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
