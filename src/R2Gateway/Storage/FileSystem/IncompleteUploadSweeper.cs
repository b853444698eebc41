using Microsoft.Extensions.Options;

namespace R2Gateway.Storage.FileSystem;

/// <summary>The filesystem store's counterpart of R2's lifecycle rule: aborts multipart uploads
/// older than <see cref="StorageOptions.AbortIncompleteUploadsAfter"/>. At start and on each round it
/// also settles bucket creates and deletes that a dead process left half done.</summary>
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
                foreach (var bucket in buckets.SettleInterrupted())
                {
                    LogRestored(logger, bucket);
                }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bucket {Bucket} was being deleted by a process that stopped before it found the bucket not empty; it is back")]
    private static partial void LogRestored(ILogger logger, string bucket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired uploads failed; will retry")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
