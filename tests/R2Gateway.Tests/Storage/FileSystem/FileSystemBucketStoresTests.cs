using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage.FileSystem;

public sealed class FileSystemBucketStoresTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDirectory _outer = new();
    private readonly string _root;
    private readonly FileSystemBucketStores _buckets;

    public FileSystemBucketStoresTests()
    {
        _root = Path.Combine(_outer.Path, "x", "root");
        var options = Options.Create(new FileSystemStoreOptions { Root = _root, Fsync = false });
        var storage = Options.Create(new StorageOptions());
        _buckets = new FileSystemBucketStores("r2gateway", new FileSystemObjectStore(options, storage, TimeProvider.System), options, storage,
            TimeProvider.System, NullLoggerFactory.Instance, []);
    }

    public void Dispose() => _outer.Dispose();

    [Fact]
    public async Task A_bucket_has_its_own_objects_under_buckets_and_the_default_keeps_the_root()
    {
        await _buckets.CreateAsync("photos", None);
        await _buckets.Find("photos")!.PutObjectAsync("k", new MemoryStream([1, 2]), 2, new PutOptions(ObjectMetadata.None), None);
        await _buckets.DefaultStore.PutObjectAsync("k", new MemoryStream([3]), 1, new PutOptions(ObjectMetadata.None), None);

        (await _buckets.Find("photos")!.HeadObjectAsync("k", None))!.Size.Should().Be(2);
        (await _buckets.DefaultStore.HeadObjectAsync("k", None))!.Size.Should().Be(1);
        Directory.Exists(Path.Combine(_root, "buckets", "photos", "objects")).Should().BeTrue();
        Directory.Exists(Path.Combine(_root, "objects")).Should().BeTrue();
        _buckets.List().Select(b => b.Name).Should().Equal("photos", "r2gateway");
    }

    [Fact]
    public async Task Delete_refuses_a_bucket_with_an_object_or_an_open_upload_and_keeps_them()
    {
        await _buckets.CreateAsync("full", None);
        var store = _buckets.Find("full")!;
        await store.PutObjectAsync("k", new MemoryStream([1]), 1, new PutOptions(ObjectMetadata.None), None);
        (await FluentActions.Awaiting(() => _buckets.DeleteAsync("full", None)).Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BucketNotEmpty);
        (await _buckets.Find("full")!.HeadObjectAsync("k", None)).Should().NotBeNull("a refused delete leaves the bucket as it was");

        await store.DeleteObjectAsync("k", None);
        var upload = await store.CreateMultipartUploadAsync("u", ObjectMetadata.None, null, None);
        (await FluentActions.Awaiting(() => _buckets.DeleteAsync("full", None)).Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BucketNotEmpty);

        await store.AbortMultipartUploadAsync("u", upload, None);
        await _buckets.DeleteAsync("full", None);
        _buckets.Find("full").Should().BeNull();
        Directory.EnumerateFileSystemEntries(Path.Combine(_root, "buckets")).Select(Path.GetFileName).Should().Equal(".lock");
    }

    [Fact]
    public async Task A_bucket_whose_delete_died_before_its_emptiness_check_is_put_back_with_its_objects()
    {
        await _buckets.CreateAsync("photos", None);
        await _buckets.Find("photos")!.PutObjectAsync("k", new MemoryStream([7, 8]), 2, new PutOptions(ObjectMetadata.None), None);
        // What DeleteAsync's first step leaves when the process dies right after it.
        Directory.Move(Path.Combine(_root, "buckets", "photos"), Path.Combine(_root, "buckets", ".deleting-photos.0011223344556677"));
        _buckets.Find("photos").Should().BeNull();

        _buckets.SettleInterrupted().Should().Equal("photos");

        (await _buckets.Find("photos")!.HeadObjectAsync("k", None))!.Size.Should().Be(2);
        Directory.EnumerateDirectories(Path.Combine(_root, "buckets")).Select(Path.GetFileName).Should().Equal("photos");
    }

    [Fact]
    public async Task An_emptied_bucket_renamed_for_deletion_and_a_half_made_bucket_are_removed()
    {
        await _buckets.CreateAsync("gone", None);
        Directory.Move(Path.Combine(_root, "buckets", "gone"), Path.Combine(_root, "buckets", ".deleting-gone.0011223344556677"));
        Directory.CreateDirectory(Path.Combine(_root, "buckets", ".new-8899aabbccddeeff"));

        _buckets.SettleInterrupted().Should().BeEmpty();

        Directory.EnumerateFileSystemEntries(Path.Combine(_root, "buckets")).Select(Path.GetFileName).Should().Equal(".lock");
        _buckets.List().Select(b => b.Name).Should().Equal("r2gateway");
    }

    [Fact]
    public async Task A_non_empty_bucket_renamed_away_without_its_name_is_kept_not_guessed()
    {
        await _buckets.CreateAsync("old", None);
        await _buckets.Find("old")!.PutObjectAsync("k", new MemoryStream([1]), 1, new PutOptions(ObjectMetadata.None), None);
        var unnamed = Path.Combine(_root, "buckets", ".deleting-0011223344556677"); // the earlier version's name
        Directory.Move(Path.Combine(_root, "buckets", "old"), unnamed);

        _buckets.SettleInterrupted().Should().BeEmpty();

        Directory.Exists(unnamed).Should().BeTrue("its data stays for an operator to look at");
    }

    [Fact]
    public async Task Settling_waits_while_a_create_or_delete_holds_the_lock()
    {
        await _buckets.CreateAsync("busy", None);
        var doomed = Path.Combine(_root, "buckets", ".deleting-busy.0011223344556677");
        Directory.Move(Path.Combine(_root, "buckets", "busy"), doomed);

        using (FileLock.TryAcquire(Path.Combine(_root, "buckets", ".lock")))
        {
            _buckets.SettleInterrupted().Should().BeEmpty();
            Directory.Exists(doomed).Should().BeTrue("a delete in progress owns it");
        }

        _buckets.SettleInterrupted().Should().BeEmpty();
        Directory.Exists(doomed).Should().BeFalse();
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("../../x")]
    [InlineData("Photos")]
    [InlineData("ab")]
    [InlineData("a.b")]
    [InlineData("-ab")]
    [InlineData("ab-")]
    public async Task A_name_outside_the_rules_is_InvalidBucketName_and_touches_no_file(string name)
    {
        (await FluentActions.Awaiting(() => _buckets.CreateAsync(name, None)).Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.InvalidBucketName);
        _buckets.Find(name).Should().BeNull();
        Directory.Exists(Path.Combine(_root, "buckets")).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(_outer.Path).Select(Path.GetFileName).Should().Equal("x");
    }

    [Fact]
    public async Task Create_twice_and_deleting_the_default_bucket_are_conflicts()
    {
        await _buckets.CreateAsync("twice", None);
        (await FluentActions.Awaiting(() => _buckets.CreateAsync("twice", None)).Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BucketAlreadyOwnedByYou);
        (await FluentActions.Awaiting(() => _buckets.CreateAsync("r2gateway", None)).Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BucketAlreadyOwnedByYou);
        (await FluentActions.Awaiting(() => _buckets.DeleteAsync("r2gateway", None)).Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.InvalidBucketState);
        (await FluentActions.Awaiting(() => _buckets.DeleteAsync("never-made", None)).Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchBucket);
    }

    [Fact]
    public async Task ListMultipartUploads_pages_by_key_then_upload_id_after_the_markers()
    {
        var store = _buckets.DefaultStore;
        var created = new List<(string Key, string UploadId)>();
        foreach (var key in new[] { "p/b", "p/a", "p/a", "q/c", "p/c" })
        {
            created.Add((key, await store.CreateMultipartUploadAsync(key, ObjectMetadata.None, null, None)));
        }

        var expected = created.Where(c => c.Key.StartsWith("p/", StringComparison.Ordinal))
            .OrderBy(c => c.Key, StringComparer.Ordinal).ThenBy(c => c.UploadId, StringComparer.Ordinal).ToList();
        var seen = new List<(string, string)>();
        string? keyMarker = null, idMarker = null;
        do
        {
            var page = await store.ListMultipartUploadsAsync(new UploadListRequest("p/", keyMarker, idMarker, 2), None);
            page.Uploads.Count.Should().BeLessThanOrEqualTo(2);
            seen.AddRange(page.Uploads.Select(u => (u.Key, u.UploadId)));
            (keyMarker, idMarker) = (page.NextKeyMarker, page.NextUploadIdMarker);
            page.IsTruncated.Should().Be(keyMarker is not null);
        }
        while (keyMarker is not null);

        seen.Should().Equal(expected);
        // A key marker alone skips all of that key's uploads.
        (await store.ListMultipartUploadsAsync(new UploadListRequest("", "p/a", null, 10), None)).Uploads.Select(u => u.Key).Should().Equal("p/b", "p/c", "q/c");
    }
}
