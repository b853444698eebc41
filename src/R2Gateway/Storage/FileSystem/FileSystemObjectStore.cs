using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>
/// The embedded store: one directory holds the bucket.
/// <code>
/// objects/ab/cd/&lt;sha256 of key&gt;   object blobs: the bytes (a put) or the part manifest (a completed
///                                   upload), then a trailer with key, etag, metadata (and the parts' id)
/// uploads/&lt;uploadId&gt;/upload.json    the key and metadata an upload was created with
/// uploads/&lt;uploadId&gt;/00001.part     part blobs
/// parts/&lt;uploadId&gt;/                 a completed upload's directory, moved here whole by complete
/// tmp/                              everything is written here first, then renamed into place
/// trash/                            directories moved aside whole (deleted parts, aborted uploads), emptied off the request path
/// locks/ab.lock                     flock stripes that serialise commits to a key
/// index.db (+ -wal, -shm)           the listing index (SQLite, WAL), rebuilt from objects/ when needed
/// </code>
/// File names come from hashes and random ids, never from keys, so no key can name a path.
/// Complete copies nothing: it moves the upload's directory to parts/ and commits a manifest with one
/// rename, so the object appears whole or not at all. Readers of a multipart object hold a shared
/// flock on its pin file; whoever replaces or deletes it removes the old parts only when it can take
/// that lock exclusively, else the sweeper does later. Removing is one rename into trash/; the files
/// are unlinked in the background (and by the sweeper after a crash), so a delete of 10,000 parts answers at once.
/// </summary>
public sealed partial class FileSystemObjectStore : IObjectStore
{
    private const string UploadManifest = "upload.json";
    private const string CompleteLock = "complete.lock";
    private const string DeletedSuffix = ".deleted";
    private const string PinFile = "readers.pin";
    private const string RetiredFile = "retired";
    private const string PartsProperty = "partsId";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private readonly FileSystemStoreOptions _options;
    private readonly long _maxObjectSize;
    private readonly TimeProvider _clock;
    private readonly string _objects;
    private readonly string _uploads;
    private readonly string _parts;
    private readonly string _tmp;
    private readonly string _locks;
    private readonly string _trash;
    private readonly ObjectIndex _index;
    private readonly ILogger _logger;
    private readonly Action<Action> _background;
    private readonly Lock _emptying = new();
    // One per lock stripe: a stripe is the first two hex digits of the key's hash (KeyStripe).
    private readonly SemaphoreSlim[] _stripeGates = Enumerable.Range(0, 16 * 16).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private int _emptyQueued;

    public FileSystemObjectStore(
        IOptions<FileSystemStoreOptions> options, IOptions<StorageOptions> storage, TimeProvider clock, ILogger<FileSystemObjectStore>? logger = null)
        : this(options, storage, clock, logger, background: null)
    {
    }

    /// <param name="background">Runs the unlinking of trash/ off the request path (tests pass their own to hold it back).</param>
    internal FileSystemObjectStore(
        IOptions<FileSystemStoreOptions> options, IOptions<StorageOptions> storage, TimeProvider clock, ILogger<FileSystemObjectStore>? logger, Action<Action>? background)
    {
        _background = background ?? (work => ThreadPool.UnsafeQueueUserWorkItem(_ => work(), null));
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _options = options.Value;
        _maxObjectSize = storage.Value.MaxObjectSize;
        _clock = clock;
        var root = Path.GetFullPath(_options.Root);
        _objects = Path.Combine(root, "objects");
        _uploads = Path.Combine(root, "uploads");
        _parts = Path.Combine(root, "parts");
        _tmp = Path.Combine(root, "tmp");
        _locks = Path.Combine(root, "locks");
        _trash = Path.Combine(root, "trash");
        foreach (var dir in new[] { _objects, _uploads, _parts, _tmp, _locks, _trash })
        {
            Directory.CreateDirectory(dir);
        }

        _index = new ObjectIndex(root);
        try
        {
            EnsureIndex();
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            // A disk that cannot take the index (full, read-only) still serves objects; listing scans.
            LogIndexUnusable(_logger, e);
        }
    }

    public Task<string> CreateMultipartUploadAsync(string key, ObjectMetadata metadata, ChecksumAlgorithm? checksumAlgorithm, CancellationToken cancellationToken)
    {
        // Never a leading '-': command-line clients (aws s3api --upload-id) would read it as an option.
        string uploadId;
        do
        {
            uploadId = Base64Url(RandomNumberGenerator.GetBytes(24));
        }
        while (uploadId[0] == '-');

        var staging = Path.Combine(_tmp, $"{uploadId}.upload");
        Directory.CreateDirectory(staging);
        BlobFile.WriteJson(Path.Combine(staging, UploadManifest), new UploadRecord(key, _clock.GetUtcNow(), metadata, checksumAlgorithm));
        File.Create(Path.Combine(staging, CompleteLock)).Dispose();
        Directory.Move(staging, UploadDir(uploadId));
        return Task.FromResult(uploadId);
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, Stream body, long? contentLength, byte[]? contentMd5, ObjectChecksum? checksum, CancellationToken cancellationToken)
    {
        MultipartRules.EnsurePartNumber(partNumber);
        var (dir, upload) = OpenUpload(key, uploadId);
        var algorithm = upload.ChecksumAlgorithm ?? checksum?.Algorithm;
        if (checksum is not null && checksum.Algorithm != algorithm)
        {
            throw ChecksumRules.WrongPartChecksum(upload.ChecksumAlgorithm!.Value, checksum.Algorithm);
        }

        var (info, temp) = await WriteTempBlobAsync(body, MultipartRules.MaxPartSize, contentMd5, checksum, algorithm,
            (size, etag, computed) => new PartInfo(partNumber, etag, size, _clock.GetUtcNow(), computed), cancellationToken);
        var target = Path.Combine(dir, PartFileName(partNumber));
        var held = HoldLargeBlob(target, knownLength: null); // a part sent again
        try
        {
            // The upload may have been completed or aborted while the part streamed in.
            File.Move(temp, target, overwrite: true);
        }
        catch (DirectoryNotFoundException)
        {
            throw Error.NoSuchUpload();
        }
        finally
        {
            ReleaseInBackground(held);
            File.Delete(temp);
        }

        return new UploadedPart(partNumber, info.ETag, info.Checksum);
    }

    public async Task<ObjectInfo> CompleteMultipartUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
    {
        var (dir, upload) = OpenUpload(key, uploadId);
        using var completing = LockUpload(dir, "This upload is already being completed or aborted by another request.");
        File.Create(Path.Combine(dir, PinFile)).Dispose();
        var partsDir = Path.Combine(_parts, uploadId);
        ObjectInfo objectInfo;
        StoredRecord? replaced;
        using (var locked = await LockKeyAsync(key, cancellationToken))
        {
            // Moved first, so no part can be re-uploaded between the check and the commit.
            Directory.Move(dir, partsDir);
            string temp;
            try
            {
                var ordered = MultipartRules.CheckCompletion(parts, ReadParts(partsDir, parts), _maxObjectSize);
                var etag = Etags.Multipart(ordered.Select(p => p.ETag).ToList());
                objectInfo = new ObjectInfo(key, ordered.Sum(p => p.Size), etag, _clock.GetUtcNow(), upload.Metadata, ObjectChecksumOf(upload.ChecksumAlgorithm, ordered));
                var manifest = new PartManifest(ordered.Select(p => (p.PartNumber, p.Size)).ToList());
                temp = await WriteManifestAsync(manifest, objectInfo, uploadId, cancellationToken);
            }
            catch
            {
                Directory.Move(partsDir, dir); // the upload stays as it was, to be completed again
                throw;
            }

            try
            {
                replaced = await CommitAsync(key, temp, objectInfo, _ => { });
            }
            finally
            {
                File.Delete(temp);
            }
        }

        // The object is committed; what is left to tidy, the sweeper finishes if this is cut short.
        DeleteUnlistedParts(partsDir, parts);
        Reclaim(replaced);
        return objectInfo;
    }

    public Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        var dir = OpenUpload(key, uploadId).Dir;
        using var aborting = LockUpload(dir, "This upload is being completed; it cannot be aborted now.");
        MoveToTrash(dir);
        return Task.CompletedTask;
    }

    public Task<PartListing> ListPartsAsync(string key, string uploadId, int partNumberMarker, int maxParts, CancellationToken cancellationToken)
    {
        var dir = OpenUpload(key, uploadId).Dir;
        var numbers = new List<int>();
        try
        {
            foreach (var path in Directory.EnumerateFiles(dir, "*.part"))
            {
                if (int.TryParse(Path.GetFileNameWithoutExtension(path), out var n) && n > partNumberMarker)
                {
                    numbers.Add(n);
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            throw Error.NoSuchUpload(); // completed or aborted since it was opened
        }

        numbers.Sort();
        var page = numbers.Take(maxParts).ToList();
        var parts = new List<PartInfo>();
        foreach (var n in page)
        {
            var path = Path.Combine(dir, PartFileName(n));
            try
            {
                using var handle = ReadOnlyFile.Open(path);
                parts.Add(BlobFile.ReadTrailer<PartInfo>(handle, path).Trailer);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // Completed or aborted while listing.
            }
        }

        if (!Directory.Exists(dir))
        {
            throw Error.NoSuchUpload();
        }

        var truncated = numbers.Count > maxParts;
        return Task.FromResult(new PartListing(parts, truncated, truncated ? page[^1] : null));
    }

    public async Task<ObjectInfo> PutObjectAsync(string key, Stream body, long? contentLength, PutOptions options, CancellationToken cancellationToken)
    {
        // Refuse early when the answer is already known, so a large body is not streamed for nothing.
        CheckPreconditions(Current(key), options);
        var (info, temp) = await WriteTempBlobAsync(body, MultipartRules.MaxPutSize, options.ContentMd5, options.Checksum, options.Checksum?.Algorithm ?? options.ComputeChecksum,
            (size, etag, checksum) => new ObjectInfo(key, size, etag, _clock.GetUtcNow(), options.Metadata, checksum), cancellationToken);
        StoredRecord? replaced;
        try
        {
            using var locked = await LockKeyAsync(key, cancellationToken);
            replaced = await CommitAsync(key, temp, info, current => CheckPreconditions(current, options));
        }
        finally
        {
            File.Delete(temp);
        }

        Reclaim(replaced);
        return info;
    }

    public Task<StoredObject?> GetObjectAsync(string key, CancellationToken cancellationToken)
    {
        // A multipart version can be replaced and reclaimed between opening its manifest and pinning its
        // parts; then the key holds a newer version, and reading again finds it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Task.FromResult(TryOpen(key));
            }
            catch (VersionGoneException) when (attempt < 5)
            {
            }
            catch (VersionGoneException)
            {
                throw Error.Unavailable("The object is being replaced faster than it can be read; try again.");
            }
        }
    }

    private StoredObject? TryOpen(string key)
    {
        var path = ObjectPath(key);
        SafeFileHandle handle;
        try
        {
            handle = ReadOnlyFile.Open(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            var record = ReadRecord(handle, path);
            if (record.PartsId is null)
            {
                return new StoredObject(record.Info, new BlobReadStream(handle, record.DataLength));
            }

            using (handle)
            {
                var manifest = PartManifest.Read(handle, record.DataLength, path);
                var dir = Path.Combine(_parts, record.PartsId);
                return new StoredObject(record.Info, new ManifestReadStream(dir, manifest, Pin(dir)));
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>A shared lock that keeps a version's parts on disk while it is read.</summary>
    private static FileStream Pin(string dir)
    {
        try
        {
            // FileShare other than None takes a shared flock; a reclaimer holding it exclusively is busy.
            return new FileStream(Path.Combine(dir, PinFile), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            throw new VersionGoneException();
        }
    }

    public Task<ObjectInfo?> HeadObjectAsync(string key, CancellationToken cancellationToken) => Task.FromResult(Current(key));

    public async Task DeleteObjectAsync(string key, CancellationToken cancellationToken)
    {
        StoredRecord? replaced;
        using (await LockKeyAsync(key, cancellationToken))
        {
            var path = ObjectPath(key);
            replaced = ReadRecord(path);
            await IndexWriteAsync(_index.MarkPendingAsync(key));
            Retire(replaced);
            var held = replaced is null ? null : HoldLargeBlob(path, replaced.DataLength);
            try
            {
                File.Delete(path);
            }
            catch (DirectoryNotFoundException)
            {
                // never stored
            }
            finally
            {
                ReleaseInBackground(held);
            }

            await IndexSettleAsync(_index.SetAsync(key, null));
        }

        Reclaim(replaced);
    }

    /// <summary>Whether the store at <paramref name="root"/> holds no object and no open upload, read from
    /// the files themselves (not the index), so nothing committed can be missed.</summary>
    internal static bool IsEmptyRoot(string root)
    {
        var objects = Path.Combine(root, "objects");
        var uploads = Path.Combine(root, "uploads");
        return !(Directory.Exists(objects) && Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories).Any(f => ObjectFileName().IsMatch(Path.GetFileName(f))))
            && !(Directory.Exists(uploads) && Directory.EnumerateDirectories(uploads).Any(d => UploadIdFormat().IsMatch(Path.GetFileName(d))));
    }

    /// <summary>Reads every open upload's record: uploads are few (they expire), so no index is kept for them.</summary>
    public Task<UploadListing> ListMultipartUploadsAsync(UploadListRequest request, CancellationToken cancellationToken)
    {
        var open = new List<UploadInfo>();
        foreach (var dir in Directory.EnumerateDirectories(_uploads))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = Path.GetFileName(dir);
            if (!UploadIdFormat().IsMatch(id))
            {
                continue; // being deleted, or not an upload
            }

            try
            {
                var record = BlobFile.ReadJson<UploadRecord>(Path.Combine(dir, UploadManifest));
                if (record.Key.StartsWith(request.Prefix, StringComparison.Ordinal) && After(record.Key, id))
                {
                    open.Add(new UploadInfo(record.Key, id, record.Initiated));
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                // completed, aborted or expired while listed
            }
        }

        var page = open.OrderBy(u => u.Key, StringComparer.Ordinal).ThenBy(u => u.UploadId, StringComparer.Ordinal).Take(request.MaxUploads + 1).ToList();
        var truncated = page.Count > request.MaxUploads;
        if (truncated)
        {
            page.RemoveAt(page.Count - 1);
        }

        var last = page.LastOrDefault();
        return Task.FromResult(new UploadListing(page, truncated, truncated ? last?.Key : null, truncated ? last?.UploadId : null));

        // S3's markers: keys after KeyMarker, and KeyMarker's own uploads only after UploadIdMarker.
        bool After(string key, string id) => request.KeyMarker is not { } marker
            || string.CompareOrdinal(key, marker) > 0
            || (key == marker && request.UploadIdMarker is { } idMarker && string.CompareOrdinal(id, idMarker) > 0);
    }

    public Task<ObjectListing> ListObjectsAsync(ListRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(_index.List(request, ResolvePending, (key, e) => LogCorruptEntry(_logger, key, e)));
        }
        catch (SqliteException e)
        {
            // Listing keeps working, slowly, until the index is repaired (index rebuild, or a restart).
            LogIndexUnusable(_logger, e);
            return Task.FromResult(Listing.Page(ScanObjects(), request));
        }
    }

    /// <summary>Rebuilds the listing index from the object files; returns how many objects it holds.
    /// Safe while other processes serve the root: each lock stripe is read under its lock.</summary>
    public int RebuildIndex()
    {
        using var rebuilding = FileLock.AcquireAsync(Path.Combine(_locks, "index.lock"), TimeSpan.FromHours(1), CancellationToken.None).GetAwaiter().GetResult();
        return RebuildIndexLocked();
    }

    private int RebuildIndexLocked()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var count = _index.Rebuild(StripesUnderLock());
        LogIndexRebuilt(_logger, count, started.Elapsed.TotalSeconds);
        return count;
    }

    /// <summary>Opens the index, and rebuilds it when it is missing, from another version, or damaged.</summary>
    private void EnsureIndex()
    {
        try
        {
            if (_index.Open())
            {
                return;
            }
        }
        catch (SqliteException e)
        {
            LogIndexUnusable(_logger, e);
        }

        using var rebuilding = FileLock.AcquireAsync(Path.Combine(_locks, "index.lock"), TimeSpan.FromHours(1), CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            if (_index.Open())
            {
                return; // another process built it meanwhile
            }
        }
        catch (SqliteException)
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                if (File.Exists(_index.Path + suffix))
                {
                    File.Move(_index.Path + suffix, $"{_index.Path}.damaged-{_clock.GetUtcNow():yyyyMMddHHmmss}{suffix}", overwrite: true);
                }
            }

            _index.Open();
        }

        RebuildIndexLocked();
    }

    /// <summary>The objects' infos, one lock stripe (objects/ab/) at a time, read and handed on while that
    /// stripe's lock is held, so no writer commits between reading a file and indexing it.</summary>
    private IEnumerable<IReadOnlyList<ObjectInfo>> StripesUnderLock()
    {
        foreach (var stripe in Directory.EnumerateDirectories(_objects))
        {
            using var locked = FileLock.AcquireAsync(StripeLockPath(Path.GetFileName(stripe)), LockTimeout, CancellationToken.None).GetAwaiter().GetResult();
            yield return ReadAll(stripe).ToList();
        }
    }

    private IEnumerable<ObjectInfo> ScanObjects() => ReadAll(_objects);

    /// <summary>Every readable object under <paramref name="dir"/>; one that cannot be read is logged and skipped.</summary>
    private IEnumerable<ObjectInfo> ReadAll(string dir)
    {
        foreach (var path in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            if (!ObjectFileName().IsMatch(Path.GetFileName(path)))
            {
                continue; // not written by this store; never opened (it could be a FIFO, or huge)
            }

            ObjectInfo? info = null;
            try
            {
                info = ReadInfo(path);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                LogCorruptObject(_logger, path, e);
            }

            if (info is not null)
            {
                yield return info;
            }
        }
    }

    /// <summary>What a pending index row's object file holds. Under the key's lock (when free) the row
    /// is corrected too; when a writer holds it, the row is its to settle.</summary>
    private ObjectInfo? ResolvePending(string key)
    {
        using var locked = FileLock.TryAcquire(KeyLockPath(key));
        var info = ReadInfo(ObjectPath(key));
        if (locked is not null)
        {
            IndexSettleAsync(_index.SetAsync(key, info)).GetAwaiter().GetResult();
        }

        return info;
    }

    /// <summary>An index write before a commit: if it fails, nothing is committed.</summary>
    private static async Task IndexWriteAsync(Task write)
    {
        try
        {
            await write;
        }
        catch (SqliteException e)
        {
            throw Error.Unavailable("The store's listing index cannot be written now; nothing was changed. Try again.", e);
        }
    }

    /// <summary>An index write after a commit: if it fails, the row stays pending and listings check it.</summary>
    private async Task IndexSettleAsync(Task write)
    {
        try
        {
            await write;
        }
        catch (SqliteException e)
        {
            LogIndexUnusable(_logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the listing index entry for key {Key}: it cannot be read")]
    private static partial void LogCorruptEntry(ILogger logger, string key, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped object file {Path}: it cannot be read")]
    private static partial void LogCorruptObject(ILogger logger, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The listing index cannot be used; listing scans the object files until it is rebuilt (index rebuild)")]
    private static partial void LogIndexUnusable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not empty {Path} yet; the sweeper tries again")]
    private static partial void LogTrashNotEmptied(ILogger logger, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt the listing index from the object files: {Count} objects in {Seconds:0.0} s")]
    private static partial void LogIndexRebuilt(ILogger logger, int count, double seconds);

    public Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        // Deleted when closed, so a probe whose write fails (a full disk) leaves nothing behind.
        using var probe = new FileStream(TempPath(), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose);
        probe.Write([1]);
        return Task.CompletedTask;
    }

    /// <summary>Aborts uploads created before <paramref name="cutoff"/>, reclaims parts no object refers
    /// to, empties trash/ and removes temp files left by crashed writers (untouched for an hour).
    /// Returns how many uploads were aborted.</summary>
    public int Sweep(DateTimeOffset cutoff)
    {
        var aborted = 0;
        foreach (var dir in Directory.EnumerateDirectories(_uploads))
        {
            try
            {
                if (dir.EndsWith(DeletedSuffix, StringComparison.Ordinal) || !File.Exists(Path.Combine(dir, UploadManifest)))
                {
                    Directory.Delete(dir, recursive: true); // left by a delete cut short (roots written before trash/)
                    continue;
                }

                if (BlobFile.ReadJson<UploadRecord>(Path.Combine(dir, UploadManifest)).Initiated >= cutoff)
                {
                    continue;
                }

                using var locked = FileLock.TryAcquire(Path.Combine(dir, CompleteLock));
                if (locked is not null)
                {
                    MoveToTrash(dir);
                    aborted++;
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // Gone already, or being completed; the next sweep looks again.
            }
        }

        SweepParts();
        EmptyTrash();
        var staleTemp = _clock.GetUtcNow().UtcDateTime - TimeSpan.FromHours(1);
        foreach (var entry in new DirectoryInfo(_tmp).EnumerateFileSystemInfos())
        {
            if (entry.LastWriteTimeUtc < staleTemp)
            {
                try
                {
                    if (entry is DirectoryInfo d)
                    {
                        d.Delete(recursive: true);
                    }
                    else
                    {
                        entry.Delete();
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        return aborted;
    }

    private async Task<(T Info, string TempPath)> WriteTempBlobAsync<T>(
        Stream body, long limit, byte[]? expectedMd5, ObjectChecksum? expectedChecksum, ChecksumAlgorithm? algorithm,
        Func<long, string, ObjectChecksum?, T> describe, CancellationToken cancellationToken)
    {
        var temp = TempPath();
        try
        {
            await using var file = CreateTemp(temp);
            var writeBehind = _options.CacheWrites ? null : new WriteBehindFileStream(file, durable: _options.Fsync);
            var (size, md5, checksum) = await BlobFile.CopyHashingAsync(body, writeBehind ?? (Stream)file, limit, algorithm, cancellationToken);
            if (expectedMd5 is not null && !CryptographicOperations.FixedTimeEquals(md5, expectedMd5))
            {
                throw Error.Md5Mismatch();
            }

            var computed = checksum is null ? null : ObjectChecksum.Of(algorithm!.Value, checksum);
            ChecksumRules.Check(expectedChecksum, computed);
            var info = describe(size, Etags.FromMd5(md5), computed);
            if (writeBehind is not null)
            {
                await writeBehind.FlushesDoneAsync();
            }

            await BlobFile.AppendTrailerAsync(file, info, _options.Fsync, cancellationToken);
            if (_options.Fsync)
            {
                writeBehind?.DropFlushed();
            }

            return (info, temp);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Renames a finished temp blob onto the key, after <paramref name="check"/> has seen the
    /// object it replaces. The caller holds the key's lock. Returns the replaced version, to reclaim.</summary>
    private async Task<StoredRecord?> CommitAsync(string key, string temp, ObjectInfo info, Action<ObjectInfo?> check)
    {
        var target = ObjectPath(key);
        var current = ReadRecord(target);
        check(current?.Info);
        var staging = _index.StageAsync(key, info);
        await IndexWriteAsync(staging);
        Retire(current);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var held = current is null ? null : HoldLargeBlob(target, current.DataLength);
        try
        {
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            ReleaseInBackground(held);
        }

        _index.Settle(key, await staging, e => LogIndexUnusable(_logger, e));
        return current;
    }

    /// <summary>Opens a large blob that is about to lose its last link. The file system frees a file's blocks
    /// inside the rename or unlink that drops its last link, which for 1 GiB on ext4 here took 0.33 s of the
    /// request's time (a 1 GiB overwrite: 1.93–2.26 s against 1.63–1.73 s for a new key). While a handle is open,
    /// the blocks are freed only when it closes, which <see cref="ReleaseInBackground"/> does off the request
    /// path. A small blob's blocks are freed faster than a hand-off to a pool thread costs.</summary>
    /// <param name="knownLength">The blob's length when the caller has read it; else the open file is asked.</param>
    private static SafeFileHandle? HoldLargeBlob(string path, long? knownLength)
    {
        if (knownLength is < WriteBehindFileStream.Window)
        {
            return null;
        }

        SafeFileHandle? handle = null;
        try
        {
            handle = ReadOnlyFile.Open(path);
            if (knownLength is null && RandomAccess.GetLength(handle) < WriteBehindFileStream.Window)
            {
                handle.Dispose();
                return null;
            }

            return handle;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not there, or not openable: an optimisation must not fail the write; the blocks are freed in the request.
            handle?.Dispose();
            return null;
        }
    }

    private void ReleaseInBackground(SafeFileHandle? held)
    {
        if (held is not null)
        {
            _background(held.Dispose);
        }
    }

    /// <summary>Marks a version's parts as garbage once nothing refers to them, before the version is
    /// replaced: unreferenced parts without the mark are a complete cut short, which is undone instead.</summary>
    private void Retire(StoredRecord? current)
    {
        if (current?.PartsId is { } id)
        {
            try
            {
                File.Create(Path.Combine(_parts, id, RetiredFile)).Dispose();
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    private async Task<string> WriteManifestAsync(PartManifest manifest, ObjectInfo info, string partsId, CancellationToken cancellationToken)
    {
        var temp = TempPath();
        try
        {
            await using var file = CreateTemp(temp);
            await file.WriteAsync(manifest.ToBytes(), cancellationToken);
            var trailer = BlobFile.ToJsonObject(info);
            trailer[PartsProperty] = partsId;
            await BlobFile.AppendTrailerAsync(file, trailer, _options.Fsync, cancellationToken);
            return temp;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The composite of the part checksums, or for CRC64NVME the whole object's CRC combined from its parts' CRCs (no byte is read again).</summary>
    private static ObjectChecksum? ObjectChecksumOf(ChecksumAlgorithm? algorithm, IReadOnlyList<PartInfo> ordered) => algorithm switch
    {
        null => null,
        { } full when Checksums.IsFullObject(full) => Crc64Nvme.Of(ordered.Select(p => (Convert.FromBase64String(p.Checksum!.Value), p.Size)).ToList()),
        { } composite => ChecksumRules.Composite(composite, ordered),
    };

    /// <summary>The stored parts a complete names, read from their trailers.</summary>
    private static Dictionary<int, PartInfo> ReadParts(string dir, IReadOnlyList<UploadedPart> parts)
    {
        // Opening thousands of part files is syscalls, not bytes: spread them over the cores.
        var found = new PartInfo?[parts.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = parts.Count < 64 ? 1 : Environment.ProcessorCount };
        try
        {
            Parallel.For(0, parts.Count, options, i => found[i] = ReadPart(dir, parts[i].PartNumber));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        var stored = new Dictionary<int, PartInfo>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            if (found[i] is { } info)
            {
                stored[parts[i].PartNumber] = info;
            }
        }

        return stored;
    }

    /// <summary>A stored part's trailer; null when it was not uploaded (CheckCompletion names it) or is torn.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called 10,000 times in one complete, the first time it runs
    private static PartInfo? ReadPart(string dir, int partNumber)
    {
        var path = Path.Combine(dir, PartFileName(partNumber));
        try
        {
            using var handle = ReadOnlyFile.Open(path);
            var (info, length) = BlobFile.ReadTrailer<PartInfo>(handle, path);
            return length == info.Size ? info : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static void DeleteUnlistedParts(string dir, IReadOnlyList<UploadedPart> listed)
    {
        var keep = listed.Select(p => PartFileName(p.PartNumber)).ToHashSet(StringComparer.Ordinal);
        try
        {
            foreach (var path in Directory.EnumerateFiles(dir, "*.part"))
            {
                if (!keep.Contains(Path.GetFileName(path)))
                {
                    File.Delete(path);
                }
            }
        }
        catch (IOException)
        {
            // left for the sweeper
        }
    }

    /// <summary>Removes the parts of a version no longer at its key, unless someone is still reading
    /// them; then the sweeper removes them later.</summary>
    private void Reclaim(StoredRecord? replaced)
    {
        if (replaced?.PartsId is { } id)
        {
            TryRemoveParts(Path.Combine(_parts, id));
        }
    }

    private bool TryRemoveParts(string dir)
    {
        try
        {
            // Created if missing: a crash can leave parts moved before their pin file was made.
            using var exclusive = FileLock.TryAcquire(Path.Combine(dir, PinFile), FileMode.OpenOrCreate);
            if (exclusive is null)
            {
                return false; // being read
            }

            MoveToTrash(dir);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return true; // removed already
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Removes completed uploads' part directories that no object refers to: left by a crash
    /// between moving them and committing, or by a reclaim that found readers.</summary>
    private void SweepParts()
    {
        foreach (var dir in Directory.EnumerateDirectories(_parts))
        {
            try
            {
                var id = Path.GetFileName(dir);
                if (dir.EndsWith(DeletedSuffix, StringComparison.Ordinal))
                {
                    Directory.Delete(dir, recursive: true);
                    continue;
                }

                var key = BlobFile.ReadJson<UploadRecord>(Path.Combine(dir, UploadManifest)).Key;

                // Under the key's lock no complete is between moving this directory and committing it.
                using var locked = FileLock.TryAcquire(KeyLockPath(key));
                if (locked is null || ReadRecord(ObjectPath(key))?.PartsId == id)
                {
                    continue; // busy, or the object's current parts
                }

                if (File.Exists(Path.Combine(dir, RetiredFile)))
                {
                    TryRemoveParts(dir);
                }
                else
                {
                    Directory.Move(dir, UploadDir(id)); // a complete cut short: the upload is back, and expires as usual
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // The next sweep looks again.
            }
        }
    }

    private static void CheckPreconditions(ObjectInfo? current, PutOptions options)
    {
        if (options.IfNoneMatchAny && current is not null)
        {
            throw Error.ObjectExists();
        }

        if (options.IfMatch is not null && (current is null || (options.IfMatch != "*" && current.ETag != options.IfMatch)))
        {
            throw Error.ETagMismatch();
        }
    }

    private ObjectInfo? Current(string key) => ReadRecord(ObjectPath(key))?.Info;

    private static ObjectInfo? ReadInfo(string path) => ReadRecord(path)?.Info;

    private static StoredRecord? ReadRecord(string path)
    {
        try
        {
            using var handle = ReadOnlyFile.Open(path);
            return ReadRecord(handle, path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>An object file's trailer: the object's info and, for a multipart object, its parts' id.</summary>
    private static StoredRecord ReadRecord(SafeFileHandle handle, string path)
    {
        var (json, dataLength, length) = BlobFile.ReadTrailerJson(handle, path, Trailers.LengthHint(path));
        var (info, partsId) = Trailers.GetOrParse(path, json, static (json, path) =>
        {
            var trailer = BlobFile.Deserialize<ObjectTrailer>(json, path);
            if (trailer.PartsId is not null && !UploadIdFormat().IsMatch(trailer.PartsId))
            {
                throw new InvalidDataException($"'{path}' names parts that are not an upload's."); // never a path
            }

            return new ParsedTrailer(
                new ObjectInfo(trailer.Key, trailer.Size, trailer.ETag, trailer.LastModified, trailer.Metadata, trailer.Checksum), trailer.PartsId);
        }, length);
        return new StoredRecord(info, partsId, dataLength);
    }

    private (string Dir, UploadRecord Upload) OpenUpload(string key, string uploadId)
    {
        if (!UploadIdFormat().IsMatch(uploadId))
        {
            throw Error.NoSuchUpload();
        }

        var dir = UploadDir(uploadId);
        UploadRecord upload;
        try
        {
            upload = BlobFile.ReadJson<UploadRecord>(Path.Combine(dir, UploadManifest));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!TryRestoreUpload(key, uploadId))
            {
                throw Error.NoSuchUpload();
            }

            return OpenUpload(key, uploadId);
        }

        // An uploadId is bound to the key it was created for.
        return upload.Key == key ? (dir, upload) : throw Error.NoSuchUpload();
    }

    /// <summary>Undoes a complete cut short between moving the upload's directory to parts/ and
    /// committing its manifest: the directory goes back to uploads/, so the upload can be completed
    /// again (or expires as usual). False when there is nothing to undo.</summary>
    private bool TryRestoreUpload(string key, string uploadId)
    {
        var moved = Path.Combine(_parts, uploadId);
        try
        {
            if (File.Exists(Path.Combine(moved, RetiredFile))
                || BlobFile.ReadJson<UploadRecord>(Path.Combine(moved, UploadManifest)).Key != key)
            {
                return false;
            }

            // Under the key's lock no complete is between moving this directory and committing it.
            using var locked = FileLock.TryAcquire(KeyLockPath(key))
                ?? throw Error.UploadBeingCompleted();
            if (ReadRecord(ObjectPath(key))?.PartsId == uploadId || File.Exists(Path.Combine(moved, RetiredFile)))
            {
                return false; // completed
            }

            Directory.Move(moved, UploadDir(uploadId));
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Takes the upload's completion lock: only one complete or abort runs at a time, and one
    /// that comes after the upload is gone finds no lock file to open.</summary>
    private static FileStream LockUpload(string dir, string busy)
    {
        try
        {
            var held = FileLock.TryAcquire(Path.Combine(dir, CompleteLock), FileMode.Open)
                ?? throw Error.UploadBusy(busy);
            if (!File.Exists(Path.Combine(dir, CompleteLock)))
            {
                // The lock was won after a complete or abort that held it moved the upload away.
                held.Dispose();
                throw Error.NoSuchUpload();
            }

            return held;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Error.NoSuchUpload();
        }
    }

    /// <summary>Moves a directory into trash/ with one rename, so it vanishes at once for everyone and
    /// nothing can be written into it; its files are unlinked in the background.</summary>
    private void MoveToTrash(string dir)
    {
        try
        {
            Directory.Move(dir, Path.Combine(_trash, $"{Path.GetFileName(dir)}.{Base64Url(RandomNumberGenerator.GetBytes(6))}"));
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        // One emptying at a time is queued; a move that lands while it runs queues the next.
        if (Interlocked.Exchange(ref _emptyQueued, 1) == 0)
        {
            _background(() =>
            {
                Volatile.Write(ref _emptyQueued, 0);
                EmptyTrash();
            });
        }
    }

    /// <summary>Unlinks what trash/ holds: after moves by this process, or left by one that died.</summary>
    private void EmptyTrash()
    {
        lock (_emptying)
        {
            try
            {
                foreach (var dir in Directory.EnumerateDirectories(_trash))
                {
                    try
                    {
                        Directory.Delete(dir, recursive: true);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        LogTrashNotEmptied(_logger, dir, e); // another process empties it too, or the next sweep
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogTrashNotEmptied(_logger, _trash, e);
            }
        }
    }

    private static FileStream CreateTemp(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);

    private string TempPath() => Path.Combine(_tmp, $"{Base64Url(RandomNumberGenerator.GetBytes(12))}.tmp");

    private string UploadDir(string uploadId) => Path.Combine(_uploads, uploadId);

    internal static string PartFileName(int partNumber) => $"{partNumber:D5}.part";

    private string ObjectPath(string key)
    {
        var hash = KeyHash(key);
        return Path.Combine(_objects, hash[..2], hash[2..4], hash);
    }

    private string KeyLockPath(string key) => StripeLockPath(KeyStripe(key));

    private string StripeLockPath(string stripe) => Path.Combine(_locks, $"{stripe}.lock");

    private static string KeyStripe(string key) => KeyHash(key)[..2];

    /// <summary>The key's lock: its stripe's file lock, which other processes on the root respect. Writers
    /// in this process first queue on the stripe's semaphore, which wakes the next the moment it is
    /// released; polling the file lock alone put 64 concurrent 4 KiB puts (two in a stripe a fifth of the
    /// time) into sleeps of 2 to 50 ms.</summary>
    private async Task<IDisposable> LockKeyAsync(string key, CancellationToken cancellationToken)
    {
        var stripe = KeyStripe(key);
        var gate = _stripeGates[Convert.ToInt32(stripe, 16)];
        if (!await gate.WaitAsync(LockTimeout, cancellationToken))
        {
            throw FileLock.Busy();
        }

        try
        {
            return new StripeLock(await FileLock.AcquireAsync(StripeLockPath(stripe), LockTimeout, cancellationToken), gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private sealed class StripeLock(FileStream file, SemaphoreSlim gate) : IDisposable
    {
        public void Dispose()
        {
            file.Dispose(); // first, so the next waiter finds the file lock free
            gate.Release();
        }
    }

    private static string KeyHash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    [GeneratedRegex("^[A-Za-z0-9_-]{32}$")]
    private static partial Regex UploadIdFormat();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex ObjectFileName();

    private sealed record UploadRecord(string Key, DateTimeOffset Initiated, ObjectMetadata Metadata, ChecksumAlgorithm? ChecksumAlgorithm = null);

    /// <summary>An object file's trailer: its <see cref="ObjectInfo"/>, and for a multipart object its parts' id.</summary>
    private sealed record ObjectTrailer(string Key, long Size, string ETag, DateTimeOffset LastModified, ObjectMetadata Metadata, ObjectChecksum? Checksum = null, string? PartsId = null);

    private sealed record StoredRecord(ObjectInfo Info, string? PartsId, long DataLength);

    private sealed record ParsedTrailer(ObjectInfo Info, string? PartsId);

    // Every GET and HEAD reads its object's trailer; parsing it was 4 % of a 4 KiB GET's CPU samples.
    // 256 entries of at most 4 KiB of JSON: about 2 MiB at worst.
    private static readonly TrailerCache<ParsedTrailer> Trailers = new(256, 4096);

    private sealed class VersionGoneException : Exception;
}
