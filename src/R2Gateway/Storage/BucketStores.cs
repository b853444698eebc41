using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace R2Gateway.Storage;

public sealed record BucketInfo(string Name, DateTimeOffset CreationDate);

/// <summary>
/// The buckets the gateway serves, each an <see cref="IObjectStore"/> with every decorator
/// (metrics, events) applied. The Worker API serves <see cref="DefaultBucket"/>; the S3 endpoint any.
/// </summary>
public interface IBucketStores
{
    string DefaultBucket { get; }

    IObjectStore DefaultStore { get; }

    /// <summary>The bucket's store, or null when there is no such bucket.</summary>
    IObjectStore? Find(string bucket);

    IReadOnlyList<BucketInfo> List();

    /// <summary>Throws BucketAlreadyOwnedByYou when it exists, NotImplemented when this store cannot make buckets.</summary>
    Task CreateAsync(string bucket, CancellationToken cancellationToken);

    /// <summary>Throws NoSuchBucket, BucketNotEmpty, or InvalidBucketState for the default bucket.</summary>
    Task DeleteAsync(string bucket, CancellationToken cancellationToken);
}

/// <summary>Wraps each bucket's store (metrics, events); applied in registration order to every bucket.</summary>
public interface IObjectStoreDecorator
{
    IObjectStore Decorate(string bucket, bool isDefault, IObjectStore inner);
}

/// <summary>What both stores' registries share: one decorated store per bucket, made once.</summary>
public abstract class BucketStoresBase(string defaultBucket, IEnumerable<IObjectStoreDecorator> decorators) : IBucketStores
{
    private readonly IObjectStoreDecorator[] _decorators = decorators.ToArray();
    private readonly ConcurrentDictionary<string, Lazy<IObjectStore>> _stores = new(StringComparer.Ordinal);

    public string DefaultBucket { get; } = BucketNames.Validate(defaultBucket);

    public IObjectStore DefaultStore => Store(DefaultBucket)!;

    public IObjectStore? Find(string bucket) => Store(bucket);

    public abstract IReadOnlyList<BucketInfo> List();

    public abstract Task CreateAsync(string bucket, CancellationToken cancellationToken);

    public abstract Task DeleteAsync(string bucket, CancellationToken cancellationToken);

    protected abstract bool Exists(string bucket);

    protected abstract IObjectStore Open(string bucket);

    protected IObjectStore? Store(string bucket)
    {
        if (!BucketNames.IsValid(bucket) || !Exists(bucket))
        {
            return null;
        }

        return _stores.GetOrAdd(bucket, name => new Lazy<IObjectStore>(() =>
            _decorators.Aggregate(Open(name), (store, decorator) => decorator.Decorate(name, name == DefaultBucket, store)))).Value;
    }

    /// <summary>Drops a deleted bucket's store, so a bucket made again under its name starts afresh.</summary>
    protected void Forget(string bucket)
    {
        if (_stores.TryRemove(bucket, out var store) && store.IsValueCreated && store.Value is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

}

/// <summary>R2's bucket name rules (stricter than S3's: no dots, so no name is ever a path step).</summary>
public static partial class BucketNames
{
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    public static string Validate(string? name) => IsValid(name)
        ? name!
        : throw Error.InvalidBucketName();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
