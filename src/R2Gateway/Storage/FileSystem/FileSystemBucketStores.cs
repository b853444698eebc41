using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace R2Gateway.Storage.FileSystem;

/// <summary>
/// The embedded store's buckets. The default bucket is the root itself (the layout of a one-bucket
/// gateway, so its data stays where it was); every other bucket is a root of its own under
/// <c>&lt;root&gt;/buckets/&lt;name&gt;/</c>, with its own index. Names pass <see cref="BucketNames"/>
/// first, so no name is a path step. A bucket exists when its <c>bucket.json</c> does.
/// </summary>
public sealed class FileSystemBucketStores : BucketStoresBase
{
    private const string Marker = "bucket.json";
    private const string Staging = ".new-";
    private const string Deleting = ".deleting-"; // + "<bucket>.<random>", so a crash can put it back
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private readonly FileSystemObjectStore _default;
    private readonly FileSystemStoreOptions _options;
    private readonly IOptions<StorageOptions> _storage;
    private readonly TimeProvider _clock;
    private readonly ILoggerFactory _loggers;
    private readonly string _root;
    private readonly string _buckets;
    private readonly ConcurrentDictionary<string, FileSystemObjectStore> _raw = new(StringComparer.Ordinal);

    public FileSystemBucketStores(
        string defaultBucket, FileSystemObjectStore defaultStore, IOptions<FileSystemStoreOptions> options, IOptions<StorageOptions> storage, TimeProvider clock,
        ILoggerFactory loggers, IEnumerable<IObjectStoreDecorator> decorators)
        : base(defaultBucket, decorators)
    {
        _default = defaultStore;
        _options = options.Value;
        _storage = storage;
        _clock = clock;
        _loggers = loggers;
        _root = Path.GetFullPath(_options.Root);
        _buckets = Path.Combine(_root, "buckets");
    }

    /// <summary>Every bucket's own store, for the sweeper.</summary>
    public IEnumerable<FileSystemObjectStore> RawStores() =>
        List().Select(b => b.Name == DefaultBucket ? _default : Raw(b.Name));

    public override IReadOnlyList<BucketInfo> List()
    {
        var buckets = new List<BucketInfo> { new(DefaultBucket, Directory.GetCreationTimeUtc(_root)) };
        if (Directory.Exists(_buckets))
        {
            foreach (var dir in Directory.EnumerateDirectories(_buckets))
            {
                var name = Path.GetFileName(dir);
                if (name != DefaultBucket && BucketNames.IsValid(name) && File.Exists(Path.Combine(dir, Marker)))
                {
                    buckets.Add(new BucketInfo(name, BlobFile.ReadJson<BucketRecord>(Path.Combine(dir, Marker)).Created));
                }
            }
        }

        return buckets.OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
    }

    public override async Task CreateAsync(string bucket, CancellationToken cancellationToken)
    {
        BucketNames.Validate(bucket);
        Directory.CreateDirectory(_buckets);
        using var locked = await FileLock.AcquireAsync(LockPath, LockTimeout, cancellationToken);
        if (Exists(bucket))
        {
            throw Error.BucketAlreadyOwnedByYou(bucket);
        }

        // Made whole in a staging directory, then renamed into place: it appears complete or not at all.
        var staging = Path.Combine(_buckets, $"{Staging}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        Directory.CreateDirectory(staging);
        BlobFile.WriteJson(Path.Combine(staging, Marker), new BucketRecord(_clock.GetUtcNow()));
        Directory.Move(staging, Path.Combine(_buckets, bucket));
    }

    public override async Task DeleteAsync(string bucket, CancellationToken cancellationToken)
    {
        if (bucket == DefaultBucket)
        {
            throw Error.DefaultBucketKept(bucket);
        }

        BucketNames.Validate(bucket);
        Directory.CreateDirectory(_buckets);
        using var locked = await FileLock.AcquireAsync(LockPath, LockTimeout, cancellationToken);
        if (!Exists(bucket))
        {
            throw Error.NoSuchBucket(bucket);
        }

        // Renamed away first, then checked: a write still in flight then fails (its directory is gone)
        // rather than landing in a bucket about to be removed, so what the check sees is all there is.
        var dir = Path.Combine(_buckets, bucket);
        var doomed = Path.Combine(_buckets, $"{Deleting}{bucket}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        Directory.Move(dir, doomed);
        if (!FileSystemObjectStore.IsEmptyRoot(doomed))
        {
            Directory.Move(doomed, dir);
            throw Error.BucketNotEmpty(bucket);
        }

        _raw.TryRemove(bucket, out _);
        Forget(bucket);
        Directory.Delete(doomed, recursive: true);
    }

    /// <summary>Settles what a process that died while creating or deleting a bucket left behind: a
    /// staging directory is removed; a bucket renamed away for deletion is removed when empty and put
    /// back under its name when not (it died before the check, or before the move back). Skipped while
    /// another create or delete holds the lock. Returns the buckets put back.</summary>
    public IReadOnlyList<string> SettleInterrupted()
    {
        var restored = new List<string>();
        if (!Directory.Exists(_buckets))
        {
            return restored;
        }

        using var locked = FileLock.TryAcquire(LockPath);
        if (locked is null)
        {
            return restored;
        }

        foreach (var dir in Directory.EnumerateDirectories(_buckets, ".*"))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith(Staging, StringComparison.Ordinal))
            {
                Directory.Delete(dir, recursive: true);
            }
            else if (name.StartsWith(Deleting, StringComparison.Ordinal))
            {
                // An earlier version named these ".deleting-<random>", without the bucket: such a one is only removed when empty.
                var dot = name.LastIndexOf('.');
                var bucket = dot > Deleting.Length ? name[Deleting.Length..dot] : "";
                if (FileSystemObjectStore.IsEmptyRoot(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
                else if (BucketNames.IsValid(bucket) && !Directory.Exists(Path.Combine(_buckets, bucket)))
                {
                    Directory.Move(dir, Path.Combine(_buckets, bucket));
                    restored.Add(bucket);
                }
            }
        }

        return restored;
    }

    protected override bool Exists(string bucket) =>
        bucket == DefaultBucket || File.Exists(Path.Combine(_buckets, bucket, Marker));

    protected override IObjectStore Open(string bucket) => bucket == DefaultBucket ? _default : Raw(bucket);

    private FileSystemObjectStore Raw(string bucket) => _raw.GetOrAdd(bucket, name => new FileSystemObjectStore(
        Options.Create(new FileSystemStoreOptions { Root = Path.Combine(_buckets, name), Fsync = _options.Fsync, CacheWrites = _options.CacheWrites, SweepInterval = _options.SweepInterval }),
        _storage, _clock, _loggers.CreateLogger<FileSystemObjectStore>()));

    /// <summary>Serialises creating and deleting buckets, across processes sharing the root.</summary>
    private string LockPath => Path.Combine(_buckets, ".lock");

    private sealed record BucketRecord(DateTimeOffset Created);
}
