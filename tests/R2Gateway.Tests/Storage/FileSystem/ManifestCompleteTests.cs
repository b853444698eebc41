using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage.FileSystem;

/// <summary>Complete without copying: the parts stay where they were written and the object reads
/// through a manifest; replaced versions are reclaimed.</summary>
public sealed class ManifestCompleteTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TempDirectory _dir = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly FileSystemObjectStore _store;

    public ManifestCompleteTests() => _store = NewStore();

    public void Dispose() => _dir.Dispose();

    private FileSystemObjectStore NewStore() =>
        new(Options.Create(new FileSystemStoreOptions { Root = _dir.Path, Fsync = false }), Options.Create(new StorageOptions()), _clock);

    private static byte[] Random(int length) => RandomNumberGenerator.GetBytes(length);

    private async Task<(byte[] Data, ObjectInfo Info)> MultipartAsync(string key, params int[] sizes)
    {
        var uploadId = await _store.CreateMultipartUploadAsync(key, ObjectMetadata.None, null, None);
        var parts = new List<UploadedPart>();
        var data = new List<byte>();
        for (var n = 1; n <= sizes.Length; n++)
        {
            var part = Random(sizes[n - 1]);
            data.AddRange(part);
            parts.Add(await _store.UploadPartAsync(key, uploadId, n, new MemoryStream(part), part.Length, null, null, None));
        }

        return (data.ToArray(), await _store.CompleteMultipartUploadAsync(key, uploadId, parts, None));
    }

    private static async Task<byte[]> ReadAsync(Stream stream, long offset, int count)
    {
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[count];
        var read = 0;
        while (read < count && await stream.ReadAsync(buffer.AsMemory(read)) is var n and > 0)
        {
            read += n;
        }

        return buffer[..read];
    }

    private async Task<byte[]> GetAsync(string key)
    {
        await using var stored = await _store.GetObjectAsync(key, None);
        return await ReadAsync(stored!.Content, 0, (int)stored.Content.Length);
    }

    /// <summary>Bytes of every file under the root but the lock files and the index, which stay.</summary>
    private long DiskUse() =>
        Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}locks{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !Path.GetFileName(f).StartsWith("index.", StringComparison.Ordinal))
            .Sum(f => new FileInfo(f).Length);

    private int PartDirectories() => Directory.GetDirectories(Path.Combine(_dir.Path, "parts")).Length;

    private string[] TrashedParts() => Directory.GetFiles(Path.Combine(_dir.Path, "trash"), "*.part", SearchOption.AllDirectories);

    /// <summary>A store whose background unlinking waits in <paramref name="held"/> until the test runs it.</summary>
    private FileSystemObjectStore StoreHoldingBackgroundWork(List<Action> held) =>
        new(Options.Create(new FileSystemStoreOptions { Root = _dir.Path, Fsync = false }), Options.Create(new StorageOptions()), _clock, null, held.Add);

    private static async Task<ObjectInfo> MultipartAsync(FileSystemObjectStore store, string key, int parts)
    {
        var uploadId = await store.CreateMultipartUploadAsync(key, ObjectMetadata.None, null, None);
        var uploaded = new List<UploadedPart>();
        for (var n = 1; n <= parts; n++)
        {
            var size = n < parts ? 5 * MiB : 10;
            uploaded.Add(await store.UploadPartAsync(key, uploadId, n, new MemoryStream(Random(size)), size, null, null, None));
        }

        return await store.CompleteMultipartUploadAsync(key, uploadId, uploaded, None);
    }

    [Fact]
    public async Task Delete_moves_the_parts_aside_and_answers_before_they_are_unlinked()
    {
        var held = new List<Action>();
        var store = StoreHoldingBackgroundWork(held);
        await MultipartAsync(store, "k", 4);

        await store.DeleteObjectAsync("k", None);

        (await store.GetObjectAsync("k", None)).Should().BeNull();
        PartDirectories().Should().Be(0, "the parts directory left parts/ with one rename");
        TrashedParts().Should().HaveCount(4, "nothing was unlinked inside the request");
        held.Should().ContainSingle();

        held[0]();

        TrashedParts().Should().BeEmpty();
        Directory.GetFileSystemEntries(Path.Combine(_dir.Path, "trash")).Should().BeEmpty();
    }

    [Fact]
    public async Task Overwriting_a_multipart_object_moves_its_old_parts_aside()
    {
        var held = new List<Action>();
        var store = StoreHoldingBackgroundWork(held);
        await MultipartAsync(store, "k", 3);

        await store.PutObjectAsync("k", new MemoryStream([7]), 1, new PutOptions(ObjectMetadata.None), None);

        PartDirectories().Should().Be(0);
        TrashedParts().Should().HaveCount(3);
        held.Should().ContainSingle().Which.Invoke();
        TrashedParts().Should().BeEmpty();
        (await GetAsync("k")).Should().Equal(7);
    }

    /// <summary>Files under this test's root that are unlinked but still open in this process (Linux only).</summary>
    private int UnlinkedFilesHeldOpen() =>
        Directory.GetFiles("/proc/self/fd").Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget is { } target
                    && target.StartsWith(_dir.Path, StringComparison.Ordinal) && target.EndsWith(" (deleted)", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false; // closed since the listing
            }
        });

    [Theory]
    [InlineData("overwrite")]
    [InlineData("delete")]
    [InlineData("part sent again")]
    public async Task A_large_blob_that_loses_its_last_link_has_its_blocks_freed_after_the_answer_not_inside_it(string how)
    {
        var held = new List<Action>();
        var store = StoreHoldingBackgroundWork(held);
        var put = new PutOptions(ObjectMetadata.None);
        switch (how)
        {
            case "overwrite":
                await store.PutObjectAsync("k", new MemoryStream(Random(9 * MiB)), 9 * MiB, put, None);
                await store.PutObjectAsync("k", new MemoryStream([7]), 1, put, None);
                (await GetAsync("k")).Should().Equal(7);
                break;
            case "delete":
                await store.PutObjectAsync("k", new MemoryStream(Random(9 * MiB)), 9 * MiB, put, None);
                await store.DeleteObjectAsync("k", None);
                (await store.GetObjectAsync("k", None)).Should().BeNull();
                break;
            default:
                var uploadId = await store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
                await store.UploadPartAsync("k", uploadId, 1, new MemoryStream(Random(9 * MiB)), 9 * MiB, null, null, None);
                held.Should().BeEmpty("the first upload of a part replaces nothing");
                var again = await store.UploadPartAsync("k", uploadId, 1, new MemoryStream([7]), 1, null, null, None);
                again.ETag.Should().Be(Etags.FromMd5(MD5.HashData(new byte[] { 7 })));
                break;
        }

        held.Should().ContainSingle("closing the last handle, which frees the blocks, waits for the background");
        if (OperatingSystem.IsLinux())
        {
            UnlinkedFilesHeldOpen().Should().Be(1);
        }

        held[0]();

        if (OperatingSystem.IsLinux())
        {
            UnlinkedFilesHeldOpen().Should().Be(0, "the handle is closed, so the blocks are free");
        }
    }

    [Fact]
    public async Task A_small_blob_is_replaced_without_background_work()
    {
        var held = new List<Action>();
        var store = StoreHoldingBackgroundWork(held);
        await store.PutObjectAsync("k", new MemoryStream(Random(1000)), 1000, new PutOptions(ObjectMetadata.None), None);

        await store.PutObjectAsync("k", new MemoryStream([7]), 1, new PutOptions(ObjectMetadata.None), None);
        await store.DeleteObjectAsync("k", None);
        var uploadId = await store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        await store.UploadPartAsync("k", uploadId, 1, new MemoryStream(Random(1000)), 1000, null, null, None);
        await store.UploadPartAsync("k", uploadId, 1, new MemoryStream([7]), 1, null, null, None);

        held.Should().BeEmpty();
    }

    [Fact]
    public async Task The_sweeper_empties_the_trash_a_crash_left_between_moving_aside_and_unlinking()
    {
        await _store.PutObjectAsync("other", new MemoryStream(Random(1000)), 1000, new PutOptions(ObjectMetadata.None), None);
        var baseline = DiskUse();
        var neverRun = new List<Action>(); // the process dies before its background work runs
        var crashed = StoreHoldingBackgroundWork(neverRun);
        await MultipartAsync(crashed, "k", 3);
        await crashed.DeleteObjectAsync("k", None);
        var upload = await crashed.CreateMultipartUploadAsync("aborted", ObjectMetadata.None, null, None);
        await crashed.UploadPartAsync("aborted", upload, 1, new MemoryStream(Random(MiB)), MiB, null, null, None);
        await crashed.AbortMultipartUploadAsync("aborted", upload, None);
        TrashedParts().Should().HaveCount(4);

        NewStore().Sweep(_clock.GetUtcNow() - TimeSpan.FromDays(7));

        TrashedParts().Should().BeEmpty();
        DiskUse().Should().Be(baseline);
        (await GetAsync("other")).Should().HaveCount(1000);
    }

    [Fact]
    public async Task A_reader_of_a_deleted_version_keeps_reading_while_the_trash_is_emptied_and_the_sweeper_reclaims_after_it_closes()
    {
        var held = new List<Action>();
        var store = StoreHoldingBackgroundWork(held);
        await store.PutObjectAsync("other", new MemoryStream(Random(1000)), 1000, new PutOptions(ObjectMetadata.None), None);
        var baseline = DiskUse();
        var uploadId = await store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        var first = Random(5 * MiB);
        var last = Random(100);
        var parts = new[]
        {
            await store.UploadPartAsync("k", uploadId, 1, new MemoryStream(first), first.Length, null, null, None),
            await store.UploadPartAsync("k", uploadId, 2, new MemoryStream(last), last.Length, null, null, None),
        };
        await store.CompleteMultipartUploadAsync("k", uploadId, parts, None);
        var reader = await store.GetObjectAsync("k", None);
        var head = await ReadAsync(reader!.Content, 0, 10);

        await store.DeleteObjectAsync("k", None);
        foreach (var work in held)
        {
            work();
        }

        (await store.GetObjectAsync("k", None)).Should().BeNull();
        PartDirectories().Should().Be(1, "a reader holds the deleted version's parts");
        (await ReadAsync(reader.Content, 10, first.Length + last.Length - 10)).Should().Equal([.. first[10..], .. last]);
        head.Should().Equal(first[..10]);
        await reader.DisposeAsync();

        store.Sweep(_clock.GetUtcNow() - TimeSpan.FromDays(7));

        PartDirectories().Should().Be(0);
        DiskUse().Should().Be(baseline);
    }

    [Fact]
    public async Task Complete_leaves_the_parts_in_place_and_writes_only_a_small_manifest()
    {
        var (data, info) = await MultipartAsync("k", 5 * MiB, 5 * MiB, 123);

        var objectFiles = Directory.GetFiles(Path.Combine(_dir.Path, "objects"), "*", SearchOption.AllDirectories);
        objectFiles.Should().ContainSingle().Which.Should().Match(f => new FileInfo(f).Length < 4096, "the object file holds the manifest, not the bytes");
        Directory.GetFiles(Path.Combine(_dir.Path, "parts"), "*.part", SearchOption.AllDirectories).Should().HaveCount(3);
        info.Size.Should().Be(data.Length);
        (await GetAsync("k")).Should().Equal(data);
    }

    [Theory]
    [InlineData(0L, 10)]
    [InlineData(5L * MiB - 7, 20)] // across the first boundary
    [InlineData(5L * MiB, 5 * MiB)] // exactly the second part
    [InlineData(10L * MiB - 1, 124)] // into the last part, to the end
    [InlineData(10L * MiB + 100, 23)]
    public async Task A_range_maps_to_the_right_parts_and_offsets(long offset, int count)
    {
        var (data, _) = await MultipartAsync("k", 5 * MiB, 5 * MiB, 123);

        await using var stored = await _store.GetObjectAsync("k", None);

        stored!.Content.Length.Should().Be(data.Length);
        (await ReadAsync(stored.Content, offset, count)).Should().Equal(data.AsSpan((int)offset, count).ToArray());
    }

    [Fact]
    public async Task A_reader_keeps_reading_the_version_it_opened_while_the_key_is_replaced_and_deleted()
    {
        var (first, _) = await MultipartAsync("k", 5 * MiB, 5 * MiB, 10);
        await using var reader = await _store.GetObjectAsync("k", None);
        var head = await ReadAsync(reader!.Content, 0, 100);

        var (second, _) = await MultipartAsync("k", 5 * MiB, 7);
        (await GetAsync("k")).Should().Equal(second);
        await _store.DeleteObjectAsync("k", None);
        _store.Sweep(_clock.GetUtcNow() - TimeSpan.FromDays(7));

        head.Should().Equal(first[..100]);
        (await ReadAsync(reader.Content, 100, first.Length - 100)).Should().Equal(first[100..]);
        (await _store.GetObjectAsync("k", None)).Should().BeNull();
    }

    [Fact]
    public async Task Parts_of_a_replaced_version_still_being_read_are_reclaimed_by_the_sweeper_once_the_reader_closes()
    {
        await MultipartAsync("k", 5 * MiB, 1);
        var reader = await _store.GetObjectAsync("k", None);
        await MultipartAsync("k", 5 * MiB, 2);
        PartDirectories().Should().Be(2, "the old version is being read");

        _store.Sweep(_clock.GetUtcNow() - TimeSpan.FromDays(7));
        PartDirectories().Should().Be(2, "the sweeper leaves parts a reader holds");
        await reader!.DisposeAsync();
        _store.Sweep(_clock.GetUtcNow() - TimeSpan.FromDays(7));

        PartDirectories().Should().Be(1);
    }

    [Fact]
    public async Task Disk_use_returns_to_the_baseline_after_many_overwrite_and_delete_cycles()
    {
        await _store.PutObjectAsync("other", new MemoryStream(Random(1000)), 1000, new PutOptions(ObjectMetadata.None), None);
        var baseline = DiskUse();

        for (var cycle = 0; cycle < 20; cycle++)
        {
            await MultipartAsync("k", 5 * MiB, 1000 + cycle);
            await MultipartAsync("k", 5 * MiB, 5 * MiB, 10); // overwrite multipart with multipart
            await _store.PutObjectAsync("k", new MemoryStream(Random(100)), 100, new PutOptions(ObjectMetadata.None), None);
            await MultipartAsync("k", 5 * MiB, 3); // overwrite a put with multipart
            await _store.DeleteObjectAsync("k", None);
        }

        _store.Sweep(_clock.GetUtcNow() - TimeSpan.FromDays(7)); // the unlinking may still run in the background
        DiskUse().Should().Be(baseline);
        PartDirectories().Should().Be(0);
    }

    [Fact]
    public async Task Parts_not_named_by_the_complete_are_removed_with_it()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        var kept = await _store.UploadPartAsync("k", uploadId, 1, new MemoryStream(Random(10)), 10, null, null, None);
        await _store.UploadPartAsync("k", uploadId, 2, new MemoryStream(Random(MiB)), MiB, null, null, None);

        await _store.CompleteMultipartUploadAsync("k", uploadId, [kept], None);

        Directory.GetFiles(Path.Combine(_dir.Path, "parts"), "*.part", SearchOption.AllDirectories).Should().ContainSingle();
    }

    /// <summary>The state a kill -9 leaves between moving an upload's directory to parts/ and committing its manifest.</summary>
    private async Task<(string UploadId, UploadedPart Part)> CompleteCutShortAsync(string key)
    {
        var uploadId = await _store.CreateMultipartUploadAsync(key, ObjectMetadata.None, null, None);
        var part = await _store.UploadPartAsync(key, uploadId, 1, new MemoryStream(Random(10)), 10, null, null, None);
        Directory.Move(Path.Combine(_dir.Path, "uploads", uploadId), Path.Combine(_dir.Path, "parts", uploadId));
        return (uploadId, part);
    }

    [Fact]
    public async Task A_complete_cut_short_before_its_commit_leaves_the_old_object_and_can_be_completed_again()
    {
        await _store.PutObjectAsync("k", new MemoryStream([1, 2, 3]), 3, new PutOptions(ObjectMetadata.None), None);
        var (uploadId, part) = await CompleteCutShortAsync("k");

        var restarted = NewStore();

        (await GetAsync("k")).Should().Equal(1, 2, 3);
        (await restarted.CompleteMultipartUploadAsync("k", uploadId, [part], None)).Size.Should().Be(10);
        var again = () => restarted.CompleteMultipartUploadAsync("k", uploadId, [part], None);
        (await again.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await GetAsync("k")).Should().HaveCount(10);
    }

    [Fact]
    public async Task Sweep_returns_a_complete_cut_short_to_the_uploads_and_keeps_parts_in_use()
    {
        var (data, _) = await MultipartAsync("live", 5 * MiB, 5);
        var (uploadId, _) = await CompleteCutShortAsync("crashed");

        NewStore().Sweep(_clock.GetUtcNow() - TimeSpan.FromDays(7));

        PartDirectories().Should().Be(1);
        (await GetAsync("live")).Should().Equal(data);
        (await _store.ListPartsAsync("crashed", uploadId, 0, 1000, None)).Parts.Should().ContainSingle();
    }

    [Fact]
    public async Task Sweep_removes_the_parts_of_a_version_replaced_just_before_a_crash()
    {
        await MultipartAsync("k", 5 * MiB, 1);
        var old = Directory.GetDirectories(Path.Combine(_dir.Path, "parts")).Single();
        await using (await _store.GetObjectAsync("k", None))
        {
            await _store.PutObjectAsync("k", new MemoryStream([1]), 1, new PutOptions(ObjectMetadata.None), None);
        }

        Directory.Exists(old).Should().BeTrue("a reader held it when it was replaced");
        NewStore().Sweep(_clock.GetUtcNow());

        Directory.Exists(old).Should().BeFalse();
        (await GetAsync("k")).Should().Equal(1);
    }

    [Fact]
    public async Task A_refused_complete_leaves_the_upload_whole_to_be_completed_again()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        var small = await _store.UploadPartAsync("k", uploadId, 1, new MemoryStream(Random(10)), 10, null, null, None);
        var last = await _store.UploadPartAsync("k", uploadId, 2, new MemoryStream(Random(20)), 20, null, null, None);

        var refused = () => _store.CompleteMultipartUploadAsync("k", uploadId, [small, last], None);
        (await refused.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.EntityTooSmall);

        PartDirectories().Should().Be(0);
        (await _store.ListPartsAsync("k", uploadId, 0, 1000, None)).Parts.Should().HaveCount(2);
        (await _store.CompleteMultipartUploadAsync("k", uploadId, [last], None)).Size.Should().Be(20);
    }

    [Fact]
    public async Task A_part_with_a_wrong_Content_MD5_is_BadDigest_and_not_stored()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        var data = Random(100);

        var act = () => _store.UploadPartAsync("k", uploadId, 1, new MemoryStream(data), 100, MD5.HashData(Random(5)), null, None);

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BadDigest);
        (await _store.ListPartsAsync("k", uploadId, 0, 1000, None)).Parts.Should().BeEmpty();
        (await _store.UploadPartAsync("k", uploadId, 1, new MemoryStream(data), 100, MD5.HashData(data), null, None)).ETag
            .Should().Be(Etags.FromMd5(MD5.HashData(data)));
    }
}
