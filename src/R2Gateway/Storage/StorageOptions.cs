using System.ComponentModel.DataAnnotations;

namespace R2Gateway.Storage;

public enum StorageProvider
{
    FileSystem,
    S3,
}

/// <summary>The <c>Storage</c> section of configuration.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.FileSystem;

    /// <summary>Unfinished multipart uploads older than this are aborted (R2's default is 7 days).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan AbortIncompleteUploadsAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The largest object a put or a completed multipart upload may make (R2's limit, 5 TiB − 5 GiB, is the default and the most allowed).</summary>
    [Range(1, MultipartRules.MaxObjectSize)]
    public long MaxObjectSize { get; set; } = MultipartRules.MaxObjectSize;
}
