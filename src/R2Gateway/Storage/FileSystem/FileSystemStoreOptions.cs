using System.ComponentModel.DataAnnotations;

namespace R2Gateway.Storage.FileSystem;

/// <summary>The <c>Storage:FileSystem</c> section of configuration.</summary>
public sealed class FileSystemStoreOptions
{
    public const string Section = "Storage:FileSystem";

    /// <summary>Directory that holds the bucket; relative paths are relative to the working directory.</summary>
    [Required]
    public string Root { get; set; } = "./data";

    /// <summary>Flush objects and parts to disk before they become visible, so a power cut cannot tear them.</summary>
    public bool Fsync { get; set; } = true;

    /// <summary>Keep what large uploads write in the page cache. Off by default: a blob over 8 MiB is
    /// written back as it arrives and leaves the cache, so an upload recycles a few megabytes of cache
    /// instead of taking fresh memory for every byte (docs/benchmarks.md, "Fresh pages"). On: a GET
    /// soon after the upload is served from memory rather than from disk.</summary>
    public bool CacheWrites { get; set; }

    /// <summary>How often the sweeper looks for expired uploads and abandoned temp files.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
