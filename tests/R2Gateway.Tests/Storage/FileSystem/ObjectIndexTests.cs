using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage.FileSystem;

/// <summary>The listing index: pages like <see cref="Listing.Page"/>, survives crashes, damage and loss.</summary>
public sealed class ObjectIndexTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TempDirectory _dir = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly FileSystemObjectStore _store;

    public ObjectIndexTests() => _store = NewStore();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools(); // release the database files before the directory goes
        _dir.Dispose();
    }

    private FileSystemObjectStore NewStore() =>
        new(Options.Create(new FileSystemStoreOptions { Root = _dir.Path, Fsync = false }), Options.Create(new StorageOptions()), _clock);

    private string IndexPath => Path.Combine(_dir.Path, ObjectIndex.FileName);

    private Task<ObjectInfo> PutAsync(string key, params byte[] data) =>
        _store.PutObjectAsync(key, new MemoryStream(data), data.Length, new PutOptions(ObjectMetadata.None), None);

    private static async Task<List<string>> AllKeysAsync(FileSystemObjectStore store, string prefix = "")
    {
        var keys = new List<string>();
        string? cursor = null;
        do
        {
            var page = await store.ListObjectsAsync(new ListRequest(prefix, null, cursor, 1000), None);
            keys.AddRange(page.Objects.Select(o => o.Key));
            cursor = page.Cursor;
        }
        while (cursor is not null);

        return keys;
    }

    private void Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={IndexPath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={IndexPath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task Pages_agree_with_the_reference_listing_for_any_prefix_delimiter_cursor_and_limit()
    {
        var random = new Random(7);
        const string alphabet = "ab/c-.é€";
        var keys = Enumerable.Range(0, 300)
            .Select(_ => new string(Enumerable.Range(0, random.Next(1, 7)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()))
            .Distinct().ToList();
        var infos = new List<ObjectInfo>();
        foreach (var key in keys)
        {
            infos.Add(await PutAsync(key, 1));
        }

        foreach (var prefix in new[] { "", "a", "a/", "b/c", "é", "zz" })
        {
            foreach (var delimiter in new[] { null, "/", "-", "a/" })
            {
                foreach (var limit in new[] { 1, 3, 1000 })
                {
                    string? expectedCursor = null, actualCursor = null;
                    do
                    {
                        var request = new ListRequest(prefix, delimiter, expectedCursor, limit);
                        var expected = Listing.Page(infos, request);
                        var actual = await _store.ListObjectsAsync(new ListRequest(prefix, delimiter, actualCursor, limit), None);
                        var what = $"prefix '{prefix}', delimiter '{delimiter}', limit {limit}, after '{expectedCursor}'";
                        actual.Objects.Select(o => o.Key).Should().Equal(expected.Objects.Select(o => o.Key), what);
                        actual.DelimitedPrefixes.Should().Equal(expected.DelimitedPrefixes, what);
                        actual.IsTruncated.Should().Be(expected.IsTruncated, what);
                        (expectedCursor, actualCursor) = (expected.Cursor, actual.Cursor);
                        actualCursor.Should().Be(expectedCursor, what);
                    }
                    while (expectedCursor is not null);
                }
            }
        }
    }

    [Fact]
    public async Task A_missing_index_is_rebuilt_from_the_objects()
    {
        await PutAsync("a", 1);
        await PutAsync("b", 2);
        SqliteConnection.ClearAllPools();
        foreach (var f in Directory.GetFiles(_dir.Path, ObjectIndex.FileName + "*"))
        {
            File.Delete(f);
        }

        (await AllKeysAsync(NewStore())).Should().Equal("a", "b");
    }

    [Fact]
    public async Task A_damaged_index_file_is_set_aside_and_rebuilt()
    {
        await PutAsync("a", 1);
        SqliteConnection.ClearAllPools();
        foreach (var f in Directory.GetFiles(_dir.Path, ObjectIndex.FileName + "-*"))
        {
            File.Delete(f);
        }

        await File.WriteAllBytesAsync(IndexPath, new byte[8192]);

        (await AllKeysAsync(NewStore())).Should().Equal("a");
        Directory.GetFiles(_dir.Path, "index.db.damaged-*").Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_corrupt_entry_is_skipped_and_the_rest_is_listed()
    {
        await PutAsync("a", 1);
        await PutAsync("b", 2);
        await PutAsync("c", 3);
        Sql("UPDATE objects SET info = x'7b7b7b' WHERE key = CAST('b' AS BLOB)");

        (await AllKeysAsync(_store)).Should().Equal("a", "c");
        (await _store.HeadObjectAsync("b", None)).Should().NotBeNull("the object itself is intact");
    }

    [Fact]
    public async Task Rows_left_pending_by_a_crash_show_what_the_files_hold()
    {
        var kept = await PutAsync("kept", 1);
        var index = new ObjectIndex(_dir.Path);

        // Cut short after staging: a new key never renamed into place, and a replacement of "kept" never committed.
        await index.StageAsync("ghost", kept with { Key = "ghost" });
        await index.StageAsync("kept", kept with { ETag = "00000000000000000000000000000000" });

        var page = await _store.ListObjectsAsync(new ListRequest("", null, null, 1000), None);

        page.Objects.Should().ContainSingle().Which.Should().Be(kept);
        Scalar("SELECT count(*) FROM objects WHERE pending = 1").Should().Be(0L, "the rows were corrected under the keys' locks");
        (await NewStore().ListObjectsAsync(new ListRequest("", null, null, 1000), None)).Objects.Should().ContainSingle().Which.ETag.Should().Be(kept.ETag);
    }

    [Fact]
    public async Task Index_rebuild_finds_objects_the_index_lost()
    {
        await PutAsync("a", 1);
        await PutAsync("b", 2);
        Sql("DELETE FROM objects WHERE key = CAST('b' AS BLOB)");
        (await AllKeysAsync(_store)).Should().Equal("a");

        _store.RebuildIndex().Should().Be(2);

        (await AllKeysAsync(_store)).Should().Equal("a", "b");
    }

    [Fact]
    public async Task Two_stores_on_one_root_see_each_others_writes_and_deletes()
    {
        var other = NewStore();
        await PutAsync("mine", 1);
        await other.PutObjectAsync("theirs", new MemoryStream([2]), 1, new PutOptions(ObjectMetadata.None), None);
        await other.DeleteObjectAsync("mine", None);

        (await AllKeysAsync(_store)).Should().Equal("theirs");
        (await AllKeysAsync(other)).Should().Equal("theirs");
    }

    [Fact]
    public async Task A_one_key_prefix_among_many_lists_just_that_key()
    {
        for (var i = 0; i < 500; i++)
        {
            await PutAsync($"bulk/{i:D4}", 1);
        }

        await PutAsync("needle", 1);

        var page = await _store.ListObjectsAsync(new ListRequest("needle", null, null, 1000), None);

        page.Objects.Should().ContainSingle().Which.Key.Should().Be("needle");
        page.IsTruncated.Should().BeFalse();
    }

    [Fact]
    public async Task Concurrent_puts_and_deletes_commit_their_own_rows_in_shared_transactions()
    {
        var puts = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => PutAsync($"k/{i:D3}", (byte)i, (byte)(i * 7)))));
        await Task.WhenAll(Enumerable.Range(0, 200).Where(i => i % 3 == 0).Select(i => Task.Run(() => _store.DeleteObjectAsync($"k/{i:D3}", None))));

        var expected = puts.Where((_, i) => i % 3 != 0).ToDictionary(p => p.Key, p => p.ETag);
        var listed = (await _store.ListObjectsAsync(new ListRequest("k/", null, null, 1000), None)).Objects;
        listed.ToDictionary(o => o.Key, o => o.ETag).Should().Equal(expected);
        // Read from a fresh store, whose listing trusts settled rows: each row holds its own object's info.
        (await NewStore().ListObjectsAsync(new ListRequest("k/", null, null, 1000), None)).Objects
            .ToDictionary(o => o.Key, o => o.ETag).Should().Equal(expected);
    }

    [Fact]
    public async Task A_late_settle_does_not_vouch_for_a_version_staged_after_it()
    {
        var first = await PutAsync("k", 1);
        var index = new ObjectIndex(_dir.Path);
        var second = first with { ETag = "11111111111111111111111111111111" };
        var failures = new List<Exception>();

        // This writer staged the first version; another process staged a second one between this
        // writer's rename and its settle.
        var firstRow = await index.StageAsync("k", first);
        var secondRow = await index.StageAsync("k", second);
        index.Settle("k", firstRow, failures.Add);
        await index.MarkPendingAsync("barrier"); // writes commit in order: the settle has run

        Scalar("SELECT pending FROM objects WHERE key = CAST('k' AS BLOB)").Should().Be(1L);
        index.Settle("k", secondRow, failures.Add);
        await index.MarkPendingAsync("barrier");
        Scalar("SELECT pending FROM objects WHERE key = CAST('k' AS BLOB)").Should().Be(0L);
        failures.Should().BeEmpty();
    }
}
