using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage.FileSystem;

public sealed class FileSystemObjectStoreTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TempDirectory _outer = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly string _root;
    private readonly FileSystemObjectStore _store;

    public FileSystemObjectStoreTests()
    {
        // Nested, so a path escaping the root by a level or two still lands inside _outer where we can see it.
        _root = Path.Combine(_outer.Path, "x", "y", "root");
        _store = new FileSystemObjectStore(Options.Create(new FileSystemStoreOptions { Root = _root, Fsync = false }), Options.Create(new StorageOptions()), _clock);
    }

    public void Dispose() => _outer.Dispose();

    private static byte[] Bytes(int length, int seed = 1) =>
        Enumerable.Range(0, length).Select(i => (byte)((i * 31) + seed)).ToArray();

    private static string Md5Hex(byte[] data) => Etags.FromMd5(MD5.HashData(data));

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private Task<ObjectInfo> PutAsync(string key, byte[] data, PutOptions? options = null) =>
        _store.PutObjectAsync(key, new MemoryStream(data), data.Length, options ?? new PutOptions(ObjectMetadata.None), None);

    private Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, byte[] data) =>
        _store.UploadPartAsync(key, uploadId, partNumber, new MemoryStream(data), data.Length, null, null, None);

    private async Task<byte[]?> GetBytesAsync(string key)
    {
        await using var stored = await _store.GetObjectAsync(key, None);
        return stored is null ? null : await ReadAllAsync(stored.Content);
    }

    private List<string> FilesOutsideRoot() =>
        Directory.EnumerateFileSystemEntries(_outer.Path, "*", SearchOption.AllDirectories)
            .Where(p => p != _root && !p.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToList();

    private string[] TempEntries() => Directory.GetFileSystemEntries(Path.Combine(_root, "tmp"));

    private string[] UploadEntries() => Directory.GetFileSystemEntries(Path.Combine(_root, "uploads"));

    public static TheoryData<string> HostileKeys => new()
    {
        "../../etc/passwd",
        "..\\..\\x",
        "/abs",
        "a/../../b",
        "..",
        "./.",
        "objects/../tmp/x",
        "C:\\Windows\\win.ini",
        "~/x",
        new string('k', 1024),
        new string('€', 341) + "a",
    };

    [Theory]
    [MemberData(nameof(HostileKeys))]
    public async Task Put_then_get_round_trips_any_legal_key_without_writing_outside_the_root(string key)
    {
        var before = FilesOutsideRoot();
        var data = Bytes(1234);

        var info = await PutAsync(key, data);

        info.Key.Should().Be(key);
        info.Size.Should().Be(data.Length);
        info.ETag.Should().Be(Md5Hex(data));
        await using (var stored = await _store.GetObjectAsync(key, None))
        {
            stored.Should().NotBeNull();
            stored!.Info.Key.Should().Be(key);
            stored.Info.ETag.Should().Be(Md5Hex(data));
            stored.Content.Length.Should().Be(data.Length);
            (await ReadAllAsync(stored.Content)).Should().Equal(data);
        }

        FilesOutsideRoot().Should().BeEquivalentTo(before);
        File.Exists("/abs").Should().BeFalse();
    }

    [Theory]
    [MemberData(nameof(HostileKeys))]
    public async Task A_multipart_upload_to_any_legal_key_stays_inside_the_root(string key)
    {
        var before = FilesOutsideRoot();
        var data = Bytes(10);

        var uploadId = await _store.CreateMultipartUploadAsync(key, ObjectMetadata.None, null, None);
        var part = await UploadPartAsync(key, uploadId, 1, data);
        var info = await _store.CompleteMultipartUploadAsync(key, uploadId, [part], None);

        info.Key.Should().Be(key);
        (await GetBytesAsync(key)).Should().Equal(data);
        FilesOutsideRoot().Should().BeEquivalentTo(before);
    }

    [Fact]
    public async Task Keys_differing_only_in_case_or_normalisation_are_distinct_objects()
    {
        await PutAsync("a", [1]);
        await PutAsync("A", [2]);
        await PutAsync("e\u0301", [3]);
        await PutAsync("\u00e9", [4]);

        (await GetBytesAsync("a")).Should().Equal(1);
        (await GetBytesAsync("A")).Should().Equal(2);
        (await GetBytesAsync("e\u0301")).Should().Equal(3);
        (await GetBytesAsync("\u00e9")).Should().Equal(4);
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_null()
    {
        (await _store.GetObjectAsync("missing", None)).Should().BeNull();
        (await _store.HeadObjectAsync("missing", None)).Should().BeNull();
    }

    [Fact]
    public async Task Put_keeps_the_metadata_and_head_returns_it()
    {
        var metadata = new ObjectMetadata(ContentType: "text/plain", CacheControl: "no-cache", ContentDisposition: "inline");

        await PutAsync("m", [1, 2, 3], new PutOptions(metadata));

        var head = await _store.HeadObjectAsync("m", None);
        head.Should().NotBeNull();
        head!.Metadata.Should().Be(metadata);
        head.Size.Should().Be(3);
    }

    [Fact]
    public async Task Put_replaces_an_existing_object()
    {
        await PutAsync("k", Bytes(100, 1));
        await PutAsync("k", Bytes(7, 2));

        (await GetBytesAsync("k")).Should().Equal(Bytes(7, 2));
    }

    [Fact]
    public async Task A_read_object_replaced_by_one_of_the_same_size_reads_as_the_new_one()
    {
        await PutAsync("same", Bytes(64, 1), new PutOptions(new ObjectMetadata(ContentType: "text/plain")));
        (await _store.HeadObjectAsync("same", None))!.ETag.Should().Be(Md5Hex(Bytes(64, 1)));
        (await GetBytesAsync("same")).Should().Equal(Bytes(64, 1));

        await PutAsync("same", Bytes(64, 2), new PutOptions(new ObjectMetadata(ContentType: "text/html")));

        var head = await _store.HeadObjectAsync("same", None);
        head!.ETag.Should().Be(Md5Hex(Bytes(64, 2)));
        head.Metadata.ContentType.Should().Be("text/html");
        await using var stored = await _store.GetObjectAsync("same", None);
        stored!.Info.ETag.Should().Be(Md5Hex(Bytes(64, 2)));
        (await ReadAllAsync(stored.Content)).Should().Equal(Bytes(64, 2));
    }

    [Fact]
    public async Task Delete_removes_the_object_and_deleting_a_missing_key_succeeds()
    {
        await PutAsync("k", [1]);

        await _store.DeleteObjectAsync("k", None);
        await _store.DeleteObjectAsync("k", None);
        await _store.DeleteObjectAsync("never-existed", None);

        (await _store.GetObjectAsync("k", None)).Should().BeNull();
    }

    [Fact]
    public async Task Put_with_IfNoneMatchAny_on_an_existing_key_is_PreconditionFailed_and_keeps_the_old_bytes()
    {
        var old = Bytes(50, 1);
        await PutAsync("k", old);

        var act = () => PutAsync("k", Bytes(60, 2), new PutOptions(ObjectMetadata.None, IfNoneMatchAny: true));

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.PreconditionFailed);
        (await GetBytesAsync("k")).Should().Equal(old);
        TempEntries().Should().BeEmpty();
    }

    [Fact]
    public async Task Put_with_IfNoneMatchAny_on_a_new_key_writes_it()
    {
        await PutAsync("new", [9], new PutOptions(ObjectMetadata.None, IfNoneMatchAny: true));

        (await GetBytesAsync("new")).Should().Equal(9);
    }

    [Fact]
    public async Task Put_with_IfMatch_and_a_wrong_etag_is_PreconditionFailed_and_keeps_the_old_bytes()
    {
        var old = Bytes(50, 1);
        await PutAsync("k", old);

        var act = () => PutAsync("k", Bytes(60, 2), new PutOptions(ObjectMetadata.None, IfMatch: Md5Hex([0])));

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.PreconditionFailed);
        (await GetBytesAsync("k")).Should().Equal(old);
    }

    [Fact]
    public async Task Put_with_IfMatch_on_a_missing_key_is_PreconditionFailed()
    {
        var act = () => PutAsync("missing", [1], new PutOptions(ObjectMetadata.None, IfMatch: "*"));

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.PreconditionFailed);
        (await _store.GetObjectAsync("missing", None)).Should().BeNull();
    }

    [Fact]
    public async Task Put_with_IfMatch_and_the_current_etag_replaces_the_object()
    {
        var old = await PutAsync("k", Bytes(50, 1));

        await PutAsync("k", Bytes(60, 2), new PutOptions(ObjectMetadata.None, IfMatch: old.ETag));

        (await GetBytesAsync("k")).Should().Equal(Bytes(60, 2));
    }

    [Fact]
    public async Task Put_with_a_mismatched_ContentMd5_is_BadDigest_and_writes_nothing()
    {
        var data = Bytes(100);

        var act = () => PutAsync("k", data, new PutOptions(ObjectMetadata.None, ContentMd5: MD5.HashData([1, 2, 3])));

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BadDigest);
        (await _store.GetObjectAsync("k", None)).Should().BeNull();
        TempEntries().Should().BeEmpty();
    }

    [Fact]
    public async Task Put_with_a_mismatched_ContentMd5_over_an_existing_object_keeps_the_old_bytes()
    {
        var old = Bytes(10, 5);
        await PutAsync("k", old);

        var act = () => PutAsync("k", Bytes(100), new PutOptions(ObjectMetadata.None, ContentMd5: MD5.HashData(old)));

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BadDigest);
        (await GetBytesAsync("k")).Should().Equal(old);
    }

    [Fact]
    public async Task Put_with_a_matching_ContentMd5_is_written()
    {
        var data = Bytes(100);

        await PutAsync("k", data, new PutOptions(ObjectMetadata.None, ContentMd5: MD5.HashData(data)));

        (await GetBytesAsync("k")).Should().Equal(data);
    }

    [Fact]
    public async Task A_put_body_that_fails_midway_leaves_no_temp_file_and_no_object()
    {
        var act = () => _store.PutObjectAsync("k", new FailingStream(1000), null, new PutOptions(ObjectMetadata.None), None);

        await act.Should().ThrowAsync<IOException>();
        TempEntries().Should().BeEmpty();
        (await _store.GetObjectAsync("k", None)).Should().BeNull();
    }

    /// <summary>A body as Kestrel hands it to the store: a pipe that the client fills, then completes
    /// (with an error when the connection drops).</summary>
    private static Stream PipeBody(byte[] data, Exception? endWith = null)
    {
        var pipe = new System.IO.Pipelines.Pipe();
        _ = Task.Run(async () =>
        {
            for (var sent = 0; sent < data.Length; sent += 5000)
            {
                await pipe.Writer.WriteAsync(data.AsMemory(sent, Math.Min(5000, data.Length - sent)));
            }

            await pipe.Writer.CompleteAsync(endWith);
        });
        return pipe.Reader.AsStream();
    }

    [Fact]
    public async Task A_put_whose_client_disconnects_mid_body_publishes_nothing_and_keeps_the_old_object()
    {
        await PutAsync("k", Bytes(1000, 1));

        var act = () => _store.PutObjectAsync("k", PipeBody(Bytes(3 * MiB, 2), new IOException("Connection reset by peer")), 4 * MiB, new PutOptions(ObjectMetadata.None), None);

        await act.Should().ThrowAsync<IOException>();
        TempEntries().Should().BeEmpty();
        (await GetBytesAsync("k")).Should().Equal(Bytes(1000, 1));
    }

    [Fact]
    public async Task A_pipe_body_with_a_wrong_checksum_or_content_md5_is_refused_and_not_stored()
    {
        var data = Bytes(MiB + 7, 3);
        var wrongSha = ObjectChecksum.Of(ChecksumAlgorithm.Sha256, SHA256.HashData(Bytes(10, 9)));

        var badChecksum = () => _store.PutObjectAsync("k", PipeBody(data), data.Length, new PutOptions(ObjectMetadata.None, Checksum: wrongSha), None);
        var badMd5 = () => _store.PutObjectAsync("k", PipeBody(data), data.Length, new PutOptions(ObjectMetadata.None, ContentMd5: MD5.HashData(Bytes(10, 9))), None);

        (await badChecksum.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BadDigest);
        (await badMd5.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.BadDigest);
        TempEntries().Should().BeEmpty();
        (await _store.GetObjectAsync("k", None)).Should().BeNull();
    }

    [Fact]
    public async Task Many_small_pipe_bodies_put_at_once_all_read_back_whole()
    {
        var bodies = Enumerable.Range(0, 64).Select(i => Bytes(4096, i)).ToList();

        var infos = await Task.WhenAll(bodies.Select((data, i) => _store.PutObjectAsync($"small/{i}", PipeBody(data), data.Length, new PutOptions(ObjectMetadata.None), None)));

        infos.Select(i => i.Size).Should().AllBeEquivalentTo(4096);
        for (var i = 0; i < bodies.Count; i++)
        {
            (await GetBytesAsync($"small/{i}")).Should().Equal(bodies[i]);
        }
    }

    [Fact]
    public async Task A_pipe_body_is_stored_with_its_md5_and_checksum()
    {
        var data = Bytes(2 * MiB + 11, 4);
        var sha = ObjectChecksum.Of(ChecksumAlgorithm.Sha256, SHA256.HashData(data));

        var info = await _store.PutObjectAsync("k", PipeBody(data), data.Length, new PutOptions(ObjectMetadata.None, ContentMd5: MD5.HashData(data), Checksum: sha), None);

        info.ETag.Should().Be(Md5Hex(data));
        info.Checksum.Should().Be(sha);
        (await GetBytesAsync("k")).Should().Equal(data);
    }

    [Fact]
    public async Task A_part_body_that_fails_midway_leaves_no_temp_file_and_no_part()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);

        var act = () => _store.UploadPartAsync("k", uploadId, 1, new FailingStream(1000), null, null, null, None);

        await act.Should().ThrowAsync<IOException>();
        TempEntries().Should().BeEmpty();
        (await _store.ListPartsAsync("k", uploadId, 0, 1000, None)).Parts.Should().BeEmpty();
    }

    [Fact]
    public async Task Complete_assembles_the_parts_in_part_number_order_with_the_multipart_etag()
    {
        var parts = new Dictionary<int, byte[]>
        {
            [1] = Bytes(5 * MiB, 1),
            [2] = Bytes(5 * MiB, 2),
            [3] = Bytes(1000, 3),
        };
        var metadata = new ObjectMetadata(ContentType: "application/x-test");
        var uploadId = await _store.CreateMultipartUploadAsync("big", metadata, null, None);
        var uploaded = new List<UploadedPart>();
        foreach (var n in new[] { 3, 1, 2 })
        {
            var part = await UploadPartAsync("big", uploadId, n, parts[n]);
            part.Should().Be(new UploadedPart(n, Md5Hex(parts[n])));
            uploaded.Add(part);
        }

        var info = await _store.CompleteMultipartUploadAsync("big", uploadId, uploaded, None);

        var expected = parts[1].Concat(parts[2]).Concat(parts[3]).ToArray();
        var expectedEtag = Etags.Multipart([Md5Hex(parts[1]), Md5Hex(parts[2]), Md5Hex(parts[3])]);
        info.ETag.Should().Be(expectedEtag).And.EndWith("-3");
        info.Size.Should().Be(expected.Length);
        info.Metadata.Should().Be(metadata);
        await using (var stored = await _store.GetObjectAsync("big", None))
        {
            stored!.Info.ETag.Should().Be(expectedEtag);
            stored.Info.Metadata.Should().Be(metadata);
            (await ReadAllAsync(stored.Content)).Should().Equal(expected);
        }

        var listParts = () => _store.ListPartsAsync("big", uploadId, 0, 1000, None);
        (await listParts.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        UploadEntries().Should().BeEmpty();
        TempEntries().Should().BeEmpty();
    }

    [Fact]
    public async Task Complete_of_only_a_subset_of_the_uploaded_parts_uses_just_those()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        await UploadPartAsync("k", uploadId, 1, Bytes(10, 1));
        var second = await UploadPartAsync("k", uploadId, 2, Bytes(20, 2));

        var info = await _store.CompleteMultipartUploadAsync("k", uploadId, [second], None);

        info.Size.Should().Be(20);
        info.ETag.Should().Be(Etags.Multipart([second.ETag]));
        (await GetBytesAsync("k")).Should().Equal(Bytes(20, 2));
    }

    [Fact]
    public async Task Complete_with_a_small_first_part_is_EntityTooSmall_and_the_upload_survives()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        var first = await UploadPartAsync("k", uploadId, 1, Bytes(100, 1));
        var second = await UploadPartAsync("k", uploadId, 2, Bytes(100, 2));

        var act = () => _store.CompleteMultipartUploadAsync("k", uploadId, [first, second], None);

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.EntityTooSmall);
        (await _store.GetObjectAsync("k", None)).Should().BeNull();
        (await _store.ListPartsAsync("k", uploadId, 0, 1000, None)).Parts.Should().HaveCount(2);
        var retry = await _store.CompleteMultipartUploadAsync("k", uploadId, [first], None);
        retry.Size.Should().Be(100);
    }

    [Fact]
    public async Task Complete_with_a_part_that_was_not_uploaded_is_InvalidPart()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        var first = await UploadPartAsync("k", uploadId, 1, Bytes(100));

        var act = () => _store.CompleteMultipartUploadAsync("k", uploadId, [first, new UploadedPart(2, first.ETag)], None);

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.InvalidPart);
    }

    [Fact]
    public async Task Re_uploading_a_part_replaces_it()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        var old = await UploadPartAsync("k", uploadId, 1, Bytes(100, 1));
        var replacement = await UploadPartAsync("k", uploadId, 1, Bytes(30, 2));

        var listing = await _store.ListPartsAsync("k", uploadId, 0, 1000, None);
        listing.Parts.Should().ContainSingle();
        listing.Parts[0].ETag.Should().Be(replacement.ETag);
        listing.Parts[0].Size.Should().Be(30);

        var withOld = () => _store.CompleteMultipartUploadAsync("k", uploadId, [old], None);
        (await withOld.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.InvalidPart);

        await _store.CompleteMultipartUploadAsync("k", uploadId, [replacement], None);
        (await GetBytesAsync("k")).Should().Equal(Bytes(30, 2));
    }

    [Fact]
    public async Task ListParts_returns_parts_in_order_and_pages_with_the_marker()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        foreach (var n in new[] { 5, 1, 3, 2, 4 })
        {
            await UploadPartAsync("k", uploadId, n, Bytes(n, n));
        }

        var first = await _store.ListPartsAsync("k", uploadId, 0, 2, None);
        var second = await _store.ListPartsAsync("k", uploadId, first.NextPartNumberMarker!.Value, 10, None);

        first.Parts.Select(p => p.PartNumber).Should().Equal(1, 2);
        first.IsTruncated.Should().BeTrue();
        second.Parts.Select(p => p.PartNumber).Should().Equal(3, 4, 5);
        second.Parts.Select(p => p.Size).Should().Equal(3, 4, 5);
        second.IsTruncated.Should().BeFalse();
    }

    [Fact]
    public async Task Abort_removes_the_upload_and_its_parts()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);
        var part = await UploadPartAsync("k", uploadId, 1, Bytes(100));

        await _store.AbortMultipartUploadAsync("k", uploadId, None);

        UploadEntries().Should().BeEmpty();
        var complete = () => _store.CompleteMultipartUploadAsync("k", uploadId, [part], None);
        (await complete.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        var upload = () => UploadPartAsync("k", uploadId, 2, Bytes(1));
        (await upload.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        var again = () => _store.AbortMultipartUploadAsync("k", uploadId, None);
        (await again.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await _store.GetObjectAsync("k", None)).Should().BeNull();
    }

    [Fact]
    public async Task An_uploadId_used_with_another_key_is_NoSuchUpload()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("a", ObjectMetadata.None, null, None);
        var part = await UploadPartAsync("a", uploadId, 1, Bytes(10));

        var upload = () => UploadPartAsync("b", uploadId, 1, Bytes(10));
        var complete = () => _store.CompleteMultipartUploadAsync("b", uploadId, [part], None);
        var abort = () => _store.AbortMultipartUploadAsync("b", uploadId, None);
        var list = () => _store.ListPartsAsync("b", uploadId, 0, 1000, None);

        (await upload.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await complete.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await abort.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await list.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await _store.GetObjectAsync("b", None)).Should().BeNull();
        (await _store.ListPartsAsync("a", uploadId, 0, 1000, None)).Parts.Should().ContainSingle();
    }

    public static TheoryData<string> MalformedUploadIds => new()
    {
        "",
        "../x",
        "..",
        "../../etc",
        "/tmp",
        new string('a', 33),
        new string('a', 31),
        new string('a', 1000),
        new string('.', 32),
        new string('a', 30) + "/.",
        new string('a', 32) + "\n",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", // well-formed but never issued
    };

    [Theory]
    [MemberData(nameof(MalformedUploadIds))]
    public async Task A_malformed_or_unknown_uploadId_is_NoSuchUpload(string uploadId)
    {
        var before = FilesOutsideRoot();

        var upload = () => UploadPartAsync("k", uploadId, 1, Bytes(10));
        var complete = () => _store.CompleteMultipartUploadAsync("k", uploadId, [new UploadedPart(1, Md5Hex(Bytes(10)))], None);
        var abort = () => _store.AbortMultipartUploadAsync("k", uploadId, None);
        var list = () => _store.ListPartsAsync("k", uploadId, 0, 1000, None);

        (await upload.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await complete.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await abort.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await list.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        TempEntries().Should().BeEmpty();
        FilesOutsideRoot().Should().BeEquivalentTo(before);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10001)]
    public async Task UploadPart_with_a_part_number_outside_1_to_10000_is_InvalidArgument(int partNumber)
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);

        var act = () => UploadPartAsync("k", uploadId, partNumber, Bytes(10));

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }

    [Fact]
    public async Task UploadPart_accepts_part_number_10000()
    {
        var uploadId = await _store.CreateMultipartUploadAsync("k", ObjectMetadata.None, null, None);

        var part = await UploadPartAsync("k", uploadId, 10000, Bytes(10));

        part.PartNumber.Should().Be(10000);
        (await _store.ListPartsAsync("k", uploadId, 0, 1000, None)).Parts.Single().PartNumber.Should().Be(10000);
    }

    [Fact]
    public async Task Sweep_aborts_uploads_older_than_the_cutoff_and_keeps_newer_ones()
    {
        var now = _clock.GetUtcNow();
        _clock.Now = now - TimeSpan.FromDays(8);
        var old = await _store.CreateMultipartUploadAsync("old", ObjectMetadata.None, null, None);
        await UploadPartAsync("old", old, 1, Bytes(10));
        _clock.Now = now - TimeSpan.FromDays(6);
        var recent = await _store.CreateMultipartUploadAsync("recent", ObjectMetadata.None, null, None);
        await UploadPartAsync("recent", recent, 1, Bytes(10));
        _clock.Now = now;

        var aborted = _store.Sweep(now - TimeSpan.FromDays(7));

        aborted.Should().Be(1);
        var listOld = () => _store.ListPartsAsync("old", old, 0, 1000, None);
        (await listOld.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.NoSuchUpload);
        (await _store.ListPartsAsync("recent", recent, 0, 1000, None)).Parts.Should().ContainSingle();
        UploadEntries().Should().ContainSingle().Which.Should().EndWith(recent);
        _store.Sweep(now - TimeSpan.FromDays(7)).Should().Be(0);
    }

    [Fact]
    public async Task Sweep_removes_stale_temp_files_but_not_fresh_ones()
    {
        var stale = Path.Combine(_root, "tmp", "stale.tmp");
        var fresh = Path.Combine(_root, "tmp", "fresh.tmp");
        await File.WriteAllBytesAsync(stale, [1]);
        await File.WriteAllBytesAsync(fresh, [1]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TimeSpan.FromHours(2));

        _store.Sweep(_clock.GetUtcNow() - TimeSpan.FromDays(7));

        File.Exists(stale).Should().BeFalse();
        File.Exists(fresh).Should().BeTrue();
    }

    [Fact]
    public Task Two_concurrent_completes_of_one_upload_let_exactly_one_succeed() => RaceCompletesAsync(callers: 2, rounds: 300);

    [Fact]
    public Task Six_concurrent_completes_of_one_upload_let_exactly_one_succeed() => RaceCompletesAsync(callers: 6, rounds: 200);

    [Fact]
    public async Task A_complete_racing_an_abort_lets_exactly_one_of_them_succeed()
    {
        for (var round = 0; round < 200; round++)
        {
            var key = $"race-{round}";
            var uploadId = await _store.CreateMultipartUploadAsync(key, ObjectMetadata.None, null, None);
            var part = await UploadPartAsync(key, uploadId, 1, Bytes(1, round));
            using var barrier = new Barrier(2);

            async Task<Exception?> RunAsync(Func<Task> action, int spin)
            {
                barrier.SignalAndWait();
                Thread.SpinWait(spin);
                try
                {
                    await action();
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            }

            var results = await Task.WhenAll(
                Task.Run(() => RunAsync(() => _store.CompleteMultipartUploadAsync(key, uploadId, [part], None), round % 2 * round * 20)),
                Task.Run(() => RunAsync(() => _store.AbortMultipartUploadAsync(key, uploadId, None), (round + 1) % 2 * round * 20)));

            var outcomes = string.Join(" | ", results.Select(e => e?.ToString() ?? "success"));
            results.Count(e => e is null).Should().Be(1, "exactly one of complete and abort succeeds (round {0}; outcomes: {1})", round, outcomes);
            results.Single(e => e is not null).Should().BeOfType<ContractException>(
                    "the loser must get a contract error (round {0}; outcomes: {1})", round, outcomes)
                .Which.Code.Should().BeOneOf(ErrorCode.Conflict, ErrorCode.NoSuchUpload);
            (await _store.HeadObjectAsync(key, None) is not null).Should().Be(results[0] is null, "the object exists exactly when complete won");
        }

        UploadEntries().Should().BeEmpty();
    }

    /// <summary>Completes one upload from several callers at once, many times over; the losers must get a contract
    /// error, never a raw IOException, and the winner must not fail after its object is committed.</summary>
    private async Task RaceCompletesAsync(int callers, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            var key = $"race-{round}";
            var data = Bytes(1, round);
            var uploadId = await _store.CreateMultipartUploadAsync(key, ObjectMetadata.None, null, None);
            var part = await UploadPartAsync(key, uploadId, 1, data);
            using var barrier = new Barrier(callers);

            // Later callers start a little later each round, sweeping their start across the first one's work.
            async Task<Exception?> CompleteAsync(int spin)
            {
                barrier.SignalAndWait();
                Thread.SpinWait(spin);
                try
                {
                    await _store.CompleteMultipartUploadAsync(key, uploadId, [part], None);
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            }

            var results = await Task.WhenAll(Enumerable.Range(0, callers)
                .Select(i => Task.Run(() => CompleteAsync(i * round * 20))));

            var outcomes = string.Join(" | ", results.Select(e => e?.ToString() ?? "success"));
            results.Count(e => e is null).Should().Be(1, "exactly one complete succeeds (round {0}; outcomes: {1})", round, outcomes);
            results.Where(e => e is not null).Should().AllSatisfy(e => e.Should().BeOfType<ContractException>(
                    "a losing complete must get a contract error (round {0}; outcomes: {1})", round, outcomes)
                .Which.Code.Should().BeOneOf(ErrorCode.Conflict, ErrorCode.NoSuchUpload));
            (await GetBytesAsync(key)).Should().Equal(data);
        }

        UploadEntries().Should().BeEmpty("every completed upload is removed");
    }

    [Fact]
    public async Task ListObjects_pages_through_what_was_put()
    {
        foreach (var key in new[] { "b", "a/1", "a/2", "c" })
        {
            await PutAsync(key, [1]);
        }

        var listing = await _store.ListObjectsAsync(new ListRequest("", "/", null, 2), None);
        var rest = await _store.ListObjectsAsync(new ListRequest("", "/", listing.Cursor, 2), None);

        listing.DelimitedPrefixes.Should().Equal("a/");
        listing.Objects.Select(o => o.Key).Should().Equal("b");
        listing.IsTruncated.Should().BeTrue();
        rest.Objects.Select(o => o.Key).Should().Equal("c");
        rest.IsTruncated.Should().BeFalse();
    }

    [Fact]
    public async Task CheckHealth_succeeds_on_a_writable_root_and_leaves_nothing_behind()
    {
        await _store.CheckHealthAsync(None);

        TempEntries().Should().BeEmpty();
    }

    /// <summary>Yields some bytes, then fails as a dropped connection does.</summary>
    private sealed class FailingStream(int bytesBeforeFailure) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= bytesBeforeFailure)
            {
                throw new IOException("The connection was reset.");
            }

            var n = Math.Min(Math.Min(count, 100), bytesBeforeFailure - _position);
            buffer.AsSpan(offset, n).Fill(0x5a);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
