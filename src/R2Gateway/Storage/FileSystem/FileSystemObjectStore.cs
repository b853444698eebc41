using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace R2Gateway.Storage.FileSystem;

/// <summary>
/// The embedded store: one directory holds the bucket.
/// <code>
/// objects/ab/cd/&lt;sha256 of key&gt;   object blobs (bytes + trailer with key, etag, metadata)
/// uploads/&lt;uploadId&gt;/upload.json    the key and metadata an upload was created with
/// uploads/&lt;uploadId&gt;/00001.part     part blobs
/// tmp/                              everything is written here first, then renamed into place
/// locks/ab.lock                     flock stripes that serialise commits to a key
/// </code>
/// File names come from hashes and random ids, never from keys, so no key can name a path.
/// </summary>
public sealed partial class FileSystemObjectStore : IObjectStore
{
    private const string UploadManifest = "upload.json";
    private const string CompleteLock = "complete.lock";
    private const string DeletedSuffix = ".deleted";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private readonly FileSystemStoreOptions _options;
    private readonly long _maxObjectSize;
    private readonly TimeProvider _clock;
    private readonly string _objects;
    private readonly string _uploads;
    private readonly string _tmp;
    private readonly string _locks;
    private readonly ILogger<FileSystemObjectStore>? _logger;

    public FileSystemObjectStore(IOptions<FileSystemStoreOptions> options, IOptions<StorageOptions> storage, TimeProvider clock, ILogger<FileSystemObjectStore>? logger = null)
    {
        _logger = logger;
        _options = options.Value;
        _maxObjectSize = storage.Value.MaxObjectSize;
        _clock = clock;
        var root = Path.GetFullPath(_options.Root);
        _objects = Path.Combine(root, "objects");
        _uploads = Path.Combine(root, "uploads");
        _tmp = Path.Combine(root, "tmp");
        _locks = Path.Combine(root, "locks");
        foreach (var dir in new[] { _objects, _uploads, _tmp, _locks })
        {
            Directory.CreateDirectory(dir);
        }
    }

    public Task<string> CreateMultipartUploadAsync(string key, ObjectMetadata metadata, CancellationToken cancellationToken)
    {
        var uploadId = Base64Url(RandomNumberGenerator.GetBytes(24));
        var staging = Path.Combine(_tmp, $"{uploadId}.upload");
        Directory.CreateDirectory(staging);
        BlobFile.WriteJson(Path.Combine(staging, UploadManifest), new UploadRecord(key, _clock.GetUtcNow(), metadata));
        File.Create(Path.Combine(staging, CompleteLock)).Dispose();
        Directory.Move(staging, UploadDir(uploadId));
        return Task.FromResult(uploadId);
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        MultipartRules.EnsurePartNumber(partNumber);
        var dir = OpenUpload(key, uploadId).Dir;
        var (info, temp) = await WriteTempBlobAsync(body, MultipartRules.MaxPartSize, expectedMd5: null,
            (size, etag) => new PartInfo(partNumber, etag, size, _clock.GetUtcNow()), cancellationToken);
        try
        {
            // The upload may have been completed or aborted while the part streamed in.
            File.Move(temp, Path.Combine(dir, PartFileName(partNumber)), overwrite: true);
        }
        catch (DirectoryNotFoundException)
        {
            throw NoSuchUpload();
        }
        finally
        {
            File.Delete(temp);
        }

        return new UploadedPart(partNumber, info.ETag);
    }

    public async Task<ObjectInfo> CompleteMultipartUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
    {
        var (dir, upload) = OpenUpload(key, uploadId);
        using var completing = LockUpload(dir, "This upload is already being completed or aborted by another request.");

        // Hold every part open: a part re-uploaded from now on cannot change what is assembled.
        var handles = new Dictionary<int, (Microsoft.Win32.SafeHandles.SafeFileHandle Handle, PartInfo Info)>();
        try
        {
            foreach (var part in parts)
            {
                var path = Path.Combine(dir, PartFileName(part.PartNumber));
                if (!File.Exists(path))
                {
                    continue;
                }

                var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var (info, _) = BlobFile.ReadTrailer<PartInfo>(handle, path);
                handles[part.PartNumber] = (handle, info);
            }

            var ordered = MultipartRules.CheckCompletion(parts, handles.ToDictionary(h => h.Key, h => h.Value.Info), _maxObjectSize);
            var etag = Etags.Multipart(ordered.Select(p => p.ETag).ToList());
            var size = ordered.Sum(p => p.Size);
            var objectInfo = new ObjectInfo(key, size, etag, _clock.GetUtcNow(), upload.Metadata);

            var temp = TempPath();
            try
            {
                await using (var file = CreateTemp(temp))
                {
                    foreach (var part in ordered)
                    {
                        await using var source = new BlobReadStream(handles[part.PartNumber].Handle, part.Size);
                        handles.Remove(part.PartNumber); // the stream owns the handle now
                        await source.CopyToAsync(file, 1024 * 1024, cancellationToken);
                    }

                    await BlobFile.AppendTrailerAsync(file, objectInfo, _options.Fsync, cancellationToken);
                }

                await CommitAsync(key, temp, _ => { }, cancellationToken);
            }
            finally
            {
                File.Delete(temp);
            }

            try
            {
                DeleteUploadDir(dir);
            }
            catch (IOException)
            {
                // The object is committed; whatever is left of the upload, the sweeper removes.
            }

            return objectInfo;
        }
        finally
        {
            foreach (var (handle, _) in handles.Values)
            {
                handle.Dispose();
            }
        }
    }

    public Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        var dir = OpenUpload(key, uploadId).Dir;
        using var aborting = LockUpload(dir, "This upload is being completed; it cannot be aborted now.");
        DeleteUploadDir(dir);
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
            throw NoSuchUpload(); // completed or aborted since it was opened
        }

        numbers.Sort();
        var page = numbers.Take(maxParts).ToList();
        var parts = new List<PartInfo>();
        foreach (var n in page)
        {
            var path = Path.Combine(dir, PartFileName(n));
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                parts.Add(BlobFile.ReadTrailer<PartInfo>(handle, path).Trailer);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // Completed or aborted while listing.
            }
        }

        if (!Directory.Exists(dir))
        {
            throw NoSuchUpload();
        }

        var truncated = numbers.Count > maxParts;
        return Task.FromResult(new PartListing(parts, truncated, truncated ? page[^1] : null));
    }

    public async Task<ObjectInfo> PutObjectAsync(string key, Stream body, long? contentLength, PutOptions options, CancellationToken cancellationToken)
    {
        // Refuse early when the answer is already known, so a large body is not streamed for nothing.
        CheckPreconditions(Current(key), options);
        var (info, temp) = await WriteTempBlobAsync(body, MultipartRules.MaxPutSize, options.ContentMd5,
            (size, etag) => new ObjectInfo(key, size, etag, _clock.GetUtcNow(), options.Metadata), cancellationToken);
        try
        {
            await CommitAsync(key, temp, current => CheckPreconditions(current, options), cancellationToken);
        }
        finally
        {
            File.Delete(temp);
        }

        return info;
    }

    public Task<StoredObject?> GetObjectAsync(string key, CancellationToken cancellationToken)
    {
        var path = ObjectPath(key);
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<StoredObject?>(null);
        }

        try
        {
            var (info, length) = BlobFile.ReadTrailer<ObjectInfo>(handle, path);
            return Task.FromResult<StoredObject?>(new StoredObject(info, new BlobReadStream(handle, length)));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public Task<ObjectInfo?> HeadObjectAsync(string key, CancellationToken cancellationToken) => Task.FromResult(Current(key));

    public async Task DeleteObjectAsync(string key, CancellationToken cancellationToken)
    {
        using var locked = await FileLock.AcquireAsync(KeyLockPath(key), LockTimeout, cancellationToken);
        try
        {
            File.Delete(ObjectPath(key));
        }
        catch (DirectoryNotFoundException)
        {
            // never stored
        }
    }

    public Task<ObjectListing> ListObjectsAsync(ListRequest request, CancellationToken cancellationToken)
    {
        // The layout is hashed, so a listing reads every object's trailer: fine for an embedded store.
        var all = new List<ObjectInfo>();
        foreach (var path in Directory.EnumerateFiles(_objects, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ObjectFileName().IsMatch(Path.GetFileName(path)))
            {
                continue; // not written by this store; never opened (it could be a FIFO, or huge)
            }

            try
            {
                if (ReadInfo(path) is { } info && info.Key.StartsWith(request.Prefix, StringComparison.Ordinal))
                {
                    all.Add(info);
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // One damaged or unreadable blob must not deny the listing to everyone: it is left
                // out and logged, and a get of that key still reports the fault.
                if (_logger is not null)
                {
                    LogUnreadable(_logger, e, path);
                }
            }
        }

        return Task.FromResult(Listing.Page(all, request));
    }

    public Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        // Deleted when closed, so a probe whose write fails (a full disk) leaves nothing behind.
        using var probe = new FileStream(TempPath(), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose);
        probe.Write([1]);
        return Task.CompletedTask;
    }

    /// <summary>Aborts uploads created before <paramref name="cutoff"/> and removes temp files left by
    /// crashed writers (untouched for an hour). Returns how many uploads were aborted.</summary>
    public int Sweep(DateTimeOffset cutoff)
    {
        var aborted = 0;
        foreach (var dir in Directory.EnumerateDirectories(_uploads))
        {
            try
            {
                if (dir.EndsWith(DeletedSuffix, StringComparison.Ordinal) || !File.Exists(Path.Combine(dir, UploadManifest)))
                {
                    Directory.Delete(dir, recursive: true); // left by a delete that was cut short
                    continue;
                }

                if (BlobFile.ReadJson<UploadRecord>(Path.Combine(dir, UploadManifest)).Initiated >= cutoff)
                {
                    continue;
                }

                using var locked = FileLock.TryAcquire(Path.Combine(dir, CompleteLock));
                if (locked is not null)
                {
                    DeleteUploadDir(dir);
                    aborted++;
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // Gone already, or being completed; the next sweep looks again.
            }
        }

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
        Stream body, long limit, byte[]? expectedMd5, Func<long, string, T> describe, CancellationToken cancellationToken)
    {
        var temp = TempPath();
        try
        {
            await using var file = CreateTemp(temp);
            var (size, md5) = await BlobFile.CopyHashingAsync(body, file, limit, cancellationToken);
            if (expectedMd5 is not null && !CryptographicOperations.FixedTimeEquals(md5, expectedMd5))
            {
                throw new StoreException(StoreErrorCode.BadDigest, "The Content-MD5 you sent does not match the MD5 of the body received.");
            }

            var info = describe(size, Etags.FromMd5(md5));
            await BlobFile.AppendTrailerAsync(file, info, _options.Fsync, cancellationToken);
            return (info, temp);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Renames a finished temp blob onto the key, under the key's lock, after
    /// <paramref name="check"/> has seen the object it replaces.</summary>
    private async Task CommitAsync(string key, string temp, Action<ObjectInfo?> check, CancellationToken cancellationToken)
    {
        var target = ObjectPath(key);
        using var locked = await FileLock.AcquireAsync(KeyLockPath(key), LockTimeout, cancellationToken);
        check(ReadInfo(target));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(temp, target, overwrite: true);
    }

    private static void CheckPreconditions(ObjectInfo? current, PutOptions options)
    {
        if (options.IfNoneMatchAny && current is not null)
        {
            throw new StoreException(StoreErrorCode.PreconditionFailed, "Precondition failed: If-None-Match: * was sent and the object exists.");
        }

        if (options.IfMatch is not null && (current is null || (options.IfMatch != "*" && current.ETag != options.IfMatch)))
        {
            throw new StoreException(StoreErrorCode.PreconditionFailed, "Precondition failed: If-Match does not match the object's current etag.");
        }
    }

    private ObjectInfo? Current(string key) => ReadInfo(ObjectPath(key));

    private static ObjectInfo? ReadInfo(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return BlobFile.ReadTrailer<ObjectInfo>(handle, path).Trailer;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private (string Dir, UploadRecord Upload) OpenUpload(string key, string uploadId)
    {
        if (!UploadIdFormat().IsMatch(uploadId))
        {
            throw NoSuchUpload();
        }

        var dir = UploadDir(uploadId);
        UploadRecord upload;
        try
        {
            upload = BlobFile.ReadJson<UploadRecord>(Path.Combine(dir, UploadManifest));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NoSuchUpload();
        }

        // An uploadId is bound to the key it was created for.
        return upload.Key == key ? (dir, upload) : throw NoSuchUpload();
    }

    /// <summary>Takes the upload's completion lock: only one complete or abort runs at a time, and one
    /// that comes after the upload is gone finds no lock file to open.</summary>
    private static FileStream LockUpload(string dir, string busy)
    {
        try
        {
            return FileLock.TryAcquire(Path.Combine(dir, CompleteLock), FileMode.Open)
                ?? throw new StoreException(StoreErrorCode.Conflict, busy);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NoSuchUpload();
        }
    }

    private static void DeleteUploadDir(string dir)
    {
        // Rename first so the upload vanishes at once for everyone, not part by part, and nothing
        // can be written into the directory while it is deleted.
        var doomed = dir + DeletedSuffix;
        try
        {
            Directory.Move(dir, doomed);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        Directory.Delete(doomed, recursive: true);
    }

    private static StoreException NoSuchUpload() =>
        new(StoreErrorCode.NoSuchUpload, "The specified multipart upload does not exist for this key: it was completed, aborted or expired, or the uploadId is wrong.");

    private static FileStream CreateTemp(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);

    private string TempPath() => Path.Combine(_tmp, $"{Base64Url(RandomNumberGenerator.GetBytes(12))}.tmp");

    private string UploadDir(string uploadId) => Path.Combine(_uploads, uploadId);

    private static string PartFileName(int partNumber) => $"{partNumber:D5}.part";

    private string ObjectPath(string key)
    {
        var hash = KeyHash(key);
        return Path.Combine(_objects, hash[..2], hash[2..4], hash);
    }

    private string KeyLockPath(string key) => Path.Combine(_locks, $"{KeyHash(key)[..2]}.lock");

    private static string KeyHash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    [GeneratedRegex("^[A-Za-z0-9_-]{32}$")]
    private static partial Regex UploadIdFormat();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex ObjectFileName();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Left out of a listing: the blob at {Path} cannot be read")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string path);

    private sealed record UploadRecord(string Key, DateTimeOffset Initiated, ObjectMetadata Metadata);
}
