using Amazon.S3;
using Microsoft.Extensions.Options;

namespace R2Gateway.Storage.S3;

/// <summary>
/// With the S3 store the gateway is a policy proxy in front of R2: the buckets it exposes are
/// configuration (the default bucket, <see cref="S3StoreOptions.Bucket"/>, and
/// <see cref="S3StoreOptions.Buckets"/>), each a store on the same client and credentials. Creating
/// and deleting buckets on R2 stays with R2's own tools: the gateway's S3 credentials are scoped to
/// objects, and a bucket made through it would not be exposed until configured anyway.
/// </summary>
public sealed class S3BucketStores(
    string defaultBucket, IAmazonS3 s3, IOptions<S3StoreOptions> options, IOptions<StorageOptions> storage, IEnumerable<IObjectStoreDecorator> decorators)
    : BucketStoresBase(defaultBucket, decorators)
{
    private readonly S3StoreOptions _options = options.Value;

    public override IReadOnlyList<BucketInfo> List() =>
        _options.Buckets.Keys.Append(DefaultBucket).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(name => new BucketInfo(name, DateTimeOffset.UnixEpoch)).ToList();

    public override Task CreateAsync(string bucket, CancellationToken cancellationToken)
    {
        BucketNames.Validate(bucket);
        throw Exists(bucket)
            ? Error.BucketAlreadyOwnedByYou(bucket)
            : Error.NotImplemented(
                "With the S3 store the gateway exposes the buckets its configuration names: create the bucket on R2 and add it to Storage:S3:Buckets.");
    }

    public override Task DeleteAsync(string bucket, CancellationToken cancellationToken) =>
        throw (Exists(bucket)
            ? Error.NotImplemented(
                "With the S3 store the gateway does not delete buckets on R2: delete it there and remove it from Storage:S3:Buckets.")
            : Error.NoSuchBucket(bucket));

    protected override bool Exists(string bucket) => bucket == DefaultBucket || _options.Buckets.ContainsKey(bucket);

    protected override IObjectStore Open(string bucket) => new S3ObjectStore(s3,
        Options.Create(bucket == DefaultBucket ? _options : _options.ForBucket(_options.Buckets[bucket])), storage);
}
