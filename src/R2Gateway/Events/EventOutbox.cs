using System.Security.Cryptography;
using System.Text.Json;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Events;

/// <summary>
/// The durable outbox on local disk, shared by every gateway process pointed at the same directory:
/// <c>intents/</c> (a change is about to happen), <c>pending/</c> (one file per event and webhook,
/// the exact body to send), <c>dead/</c> (gave up; an operator replays them). Files are claimed with
/// an exclusive lock (flock) that the OS drops when a process dies, so no claim outlives its owner.
/// </summary>
public sealed partial class EventOutbox
{
    private const string Suffix = ".json";

    private readonly bool _fsync;

    public EventOutbox(string directory, bool fsync)
    {
        Directory = Path.GetFullPath(directory);
        _fsync = fsync;
        Intents = Path.Combine(Directory, "intents");
        Pending = Path.Combine(Directory, "pending");
        Dead = Path.Combine(Directory, "dead");
        Temp = Path.Combine(Directory, "tmp");
    }

    public void EnsureCreated()
    {
        foreach (var dir in new[] { Intents, Pending, Dead, Temp })
        {
            System.IO.Directory.CreateDirectory(dir);
        }
    }

    public string Directory { get; }

    public string Intents { get; }

    public string Pending { get; }

    public string Dead { get; }

    private string Temp { get; }

    /// <summary>Sortable by time, unique across processes.</summary>
    public static string NewEventId(DateTimeOffset now) =>
        $"{now.UtcDateTime:yyyyMMddHHmmssfff}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";

    /// <summary>Writes and flushes an intent and keeps it locked until the returned handle is disposed,
    /// so no reconciler settles it while its change is still in flight.</summary>
    public FileStream WriteIntent(EventIntent intent)
    {
        var path = Path.Combine(Intents, intent.EventId + Suffix);
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        try
        {
            file.Write(JsonSerializer.SerializeToUtf8Bytes(intent, ObjectEvent.Json));
            file.Flush(flushToDisk: _fsync);
            SyncDirectory(Intents);
            return file;
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    public void DeleteIntent(string eventId) => File.Delete(Path.Combine(Intents, eventId + Suffix));

    /// <summary>Makes the event pending for each webhook, durably, in one directory flush.</summary>
    public void Enqueue(ObjectEvent e, IEnumerable<string> webhooks)
    {
        var body = e.ToJson();
        var any = false;
        foreach (var webhook in webhooks)
        {
            var temp = Path.Combine(Temp, $"{e.EventId}.{webhook}{Suffix}");
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(body);
                file.Flush(flushToDisk: _fsync);
            }

            File.Move(temp, Path.Combine(Pending, $"{e.EventId}.{webhook}{Suffix}"), overwrite: true);
            any = true;
        }

        if (any)
        {
            SyncDirectory(Pending);
        }
    }

    public static string WebhookOf(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        return name[(name.IndexOf('.', StringComparison.Ordinal) + 1)..];
    }

    public static string EventIdOf(string path)
    {
        var name = Path.GetFileName(path);
        return name[..name.IndexOf('.', StringComparison.Ordinal)];
    }

    /// <summary>Oldest first.</summary>
    public static IEnumerable<string> List(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "*" + Suffix).Order(StringComparer.Ordinal);

    /// <summary>The file, locked for this caller, or null when someone else holds it or it is gone.</summary>
    public static FileStream? TryClaim(string path)
    {
        FileStream? held;
        try
        {
            held = FileLock.TryAcquire(path, FileMode.Open);
        }
        catch (FileNotFoundException)
        {
            // Delivered and deleted since the directory was listed (by this process's own delivery, too).
            return null;
        }

        if (held is not null && !File.Exists(path))
        {
            // Another process delivered and deleted it between our open and our lock.
            held.Dispose();
            return null;
        }

        return held;
    }

    public static byte[] ReadAll(FileStream claimed)
    {
        claimed.Position = 0;
        var bytes = new byte[claimed.Length];
        claimed.ReadExactly(bytes);
        return bytes;
    }

    public void MoveToDead(string pendingPath) =>
        File.Move(pendingPath, Path.Combine(Dead, Path.GetFileName(pendingPath)), overwrite: true);

    /// <summary>Moves dead letters back to pending: all of them, or those whose event id or file name is given.</summary>
    public IReadOnlyList<string> Replay(IReadOnlyCollection<string> ids)
    {
        var moved = new List<string>();
        foreach (var path in List(Dead))
        {
            var name = Path.GetFileName(path);
            if (ids.Count == 0 || ids.Contains(EventIdOf(path)) || ids.Contains(name))
            {
                File.Move(path, Path.Combine(Pending, name), overwrite: true);
                moved.Add(name);
            }
        }

        SyncDirectory(Pending);
        return moved;
    }

    private void SyncDirectory(string directory)
    {
        if (!_fsync || !OperatingSystem.IsLinux())
        {
            return;
        }

        DirectorySync.Flush(directory);
    }
}

/// <summary>What is about to change, written before the store is asked, so that a crash between the
/// change and its event can be settled afterwards by looking at the store.</summary>
/// <param name="ExpectedETag">For a complete: the multipart etag the object will have.</param>
public sealed record EventIntent(
    string EventId,
    EventAction Action,
    string Bucket,
    string Key,
    string? Token,
    DateTimeOffset StartedAt,
    string? ExpectedETag = null,
    string? UploadId = null,
    CopySource? CopySource = null);
