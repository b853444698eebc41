using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace R2Gateway.Storage.FileSystem;

/// <summary>
/// The listing index of the embedded store: one SQLite database in WAL mode (<c>index.db</c> at the
/// root) that every gateway process on the root shares. Keys are stored as UTF-8 bytes, so the
/// primary key's order is R2's (binary) order and a page is one range scan: O(page), not O(bucket).
/// <para>The object files stay the truth; the index is rebuilt from them when it is missing, from
/// another version, or damaged. Writers mark a row pending before renaming an object into place and
/// settle it after; a crash in between leaves a pending row, which a listing checks against the
/// object file, so the index never shows a state the files do not have.</para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim holds nothing to dispose unless its AvailableWaitHandle is read")]
internal sealed class ObjectIndex
{
    public const string FileName = "index.db";
    private const string SchemaVersion = "1";

    private const int BusyTimeoutSeconds = 30;

    private readonly string _connectionString;
    // Bounds one transaction's length, so a writer in another process waits at most that long.
    private const int MaxBatch = 256;

    private readonly ConcurrentQueue<QueuedWrite> _queue = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public ObjectIndex(string root)
    {
        Path = System.IO.Path.Combine(root, FileName);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = BusyTimeoutSeconds,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>Creates the schema if needed; true when the index is complete (built by this version).</summary>
    public bool Open()
    {
        using var connection = Connect();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS objects (
                key BLOB PRIMARY KEY,   -- UTF-8: binary order is R2's listing order
                info BLOB NOT NULL,     -- the object's ObjectInfo, serialised as in the object file's trailer
                pending INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS pending_objects ON objects (pending) WHERE pending = 1;
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            """);
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA quick_check(1);";
        if (check.ExecuteScalar() as string != "ok")
        {
            throw new SqliteException("The listing index failed its integrity check.", 11); // SQLITE_CORRUPT
        }

        check.CommandText = "SELECT value FROM meta WHERE name = 'built'";
        return check.ExecuteScalar() as string == SchemaVersion;
    }

    /// <summary>Before an object is renamed into place: the row with its new info, marked pending.
    /// Returns the info as stored, for <see cref="Settle"/>.</summary>
    public async Task<byte[]> StageAsync(string key, ObjectInfo info)
    {
        var row = BlobFile.SerializeToUtf8Bytes(info);
        await WriteAsync("INSERT INTO objects (key, info, pending) VALUES ($key, $info, 1) ON CONFLICT (key) DO UPDATE SET info = $info, pending = 1", key, row);
        return row;
    }

    /// <summary>Before an object file is deleted.</summary>
    public Task MarkPendingAsync(string key) => WriteAsync("UPDATE objects SET pending = 1 WHERE key = $key", key);

    /// <summary>After the rename: the row is what the file says. Not waited for: the writer returns while
    /// the row may still be pending, which listings check against the file, as after a crash. Only a row
    /// that still holds <paramref name="staged"/> (what <see cref="StageAsync"/> stored) is settled, so a
    /// late settle never vouches for a newer version another process has staged since.</summary>
    public void Settle(string key, byte[] staged, Action<Exception> failed) =>
        WriteAsync("UPDATE objects SET pending = 0 WHERE key = $key AND info = $info", key, staged)
            .ContinueWith(t => failed(t.Exception!.InnerException!), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>Makes the row say what the object file says (null: there is none). Called under the key's lock.</summary>
    public Task SetAsync(string key, ObjectInfo? info) => info is null
        ? WriteAsync("DELETE FROM objects WHERE key = $key", key)
        : WriteAsync("INSERT INTO objects (key, info, pending) VALUES ($key, $info, 0) ON CONFLICT (key) DO UPDATE SET info = $info, pending = 0",
            key, BlobFile.SerializeToUtf8Bytes(info));

    /// <summary>
    /// One page, as <see cref="Listing.Page"/> answers it, read as range scans of the index.
    /// <paramref name="resolvePending"/> says what a pending row's object file holds; <paramref name="corrupt"/>
    /// hears of rows that cannot be read, which are skipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a page loops over 1,000 rows, in few calls: never worth running unoptimised
    public ObjectListing List(ListRequest request, Func<string, ObjectInfo?> resolvePending, Action<string, Exception> corrupt)
    {
        var prefix = Encoding.UTF8.GetBytes(request.Prefix);
        var end = Successor(prefix);
        var delimiter = string.IsNullOrEmpty(request.Delimiter) ? null : request.Delimiter;
        var after = Listing.DecodeCursor(request.Cursor);

        // Where the scan starts: after the cursor (and everything it rolled up), never before the prefix.
        byte[] from = prefix;
        var inclusive = true;
        if (after is not null && string.CompareOrdinal(after, request.Prefix) >= 0)
        {
            var afterBytes = Encoding.UTF8.GetBytes(after);
            var rolledUp = delimiter is not null && after.StartsWith(request.Prefix, StringComparison.Ordinal)
                && after.AsSpan(request.Prefix.Length).Contains(delimiter, StringComparison.Ordinal);
            if (!rolledUp)
            {
                (from, inclusive) = (afterBytes, false);
            }
            else if (Successor(afterBytes) is { } next)
            {
                (from, inclusive) = (next, true); // past every key the cursor's prefix rolled up
            }
            else
            {
                return new ObjectListing([], [], false, null);
            }
        }

        // R2's startAfter: keys after it only, wherever the cursor would start.
        if (request.StartAfter is { } startAfter && Encoding.UTF8.GetBytes(startAfter) is var startAfterBytes
            && startAfterBytes.AsSpan().SequenceCompareTo(from) is var order && (order > 0 || (order == 0 && inclusive)))
        {
            (from, inclusive) = (startAfterBytes, false);
        }

        var objects = new List<ObjectInfo>();
        var prefixes = new List<string>();
        string? last = null;
        using var connection = Connect();
        using var command = connection.CreateCommand();
        var batch = request.Limit + 1;
        while (true)
        {
            command.Parameters.Clear();
            command.CommandText = $"SELECT key, info, pending FROM objects WHERE key {(inclusive ? ">=" : ">")} $from"
                + (end is null ? "" : " AND key < $end") + " ORDER BY key LIMIT $batch";
            command.Parameters.AddWithValue("$from", from);
            if (end is not null)
            {
                command.Parameters.AddWithValue("$end", end);
            }

            command.Parameters.AddWithValue("$batch", batch);
            var rows = 0;
            byte[]? skipTo = null;
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    rows++;
                    var keyBytes = (byte[])reader[0];
                    from = keyBytes;
                    inclusive = false;
                    var key = Encoding.UTF8.GetString(keyBytes);
                    var cut = delimiter is null ? -1 : key.AsSpan(request.Prefix.Length).IndexOf(delimiter, StringComparison.Ordinal);
                    if (cut >= 0)
                    {
                        var entry = string.Concat(request.Prefix, key.AsSpan(request.Prefix.Length, cut + delimiter!.Length));
                        if (objects.Count + prefixes.Count == request.Limit)
                        {
                            return new ObjectListing(objects, prefixes, true, Listing.EncodeCursor(last!));
                        }

                        prefixes.Add(entry);
                        last = entry;
                        skipTo = Successor(Encoding.UTF8.GetBytes(entry));
                        break; // the rest under this prefix is rolled up: jump past it
                    }

                    ObjectInfo? info;
                    try
                    {
                        info = reader.GetInt64(2) != 0
                            ? resolvePending(key)
                            : BlobFile.Deserialize<ObjectInfo>((byte[])reader[1], $"index entry '{key}'");
                    }
                    catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
                    {
                        corrupt(key, e);
                        continue;
                    }

                    if (info is null)
                    {
                        continue; // deleted; the row goes when its writer (or a listing under the key's lock) settles it
                    }

                    if (objects.Count + prefixes.Count == request.Limit)
                    {
                        return new ObjectListing(objects, prefixes, true, Listing.EncodeCursor(last!));
                    }

                    objects.Add(info with { Key = key });
                    last = key;
                }
            }

            if (skipTo is not null)
            {
                from = skipTo;
                inclusive = true;
                continue;
            }

            if (rows < batch)
            {
                return new ObjectListing(objects, prefixes, false, null);
            }
        }
    }

    /// <summary>Rebuilds the index from the object files: <paramref name="stripes"/> yields, one lock
    /// stripe at a time and under that stripe's lock, what the files hold. Rows no file backs are left
    /// pending, so listings check and drop them.</summary>
    public int Rebuild(IEnumerable<IReadOnlyList<ObjectInfo>> stripes)
    {
        using var connection = Connect();
        Execute(connection, "DELETE FROM meta WHERE name = 'built'; UPDATE objects SET pending = 1;");
        var count = 0;
        foreach (var stripe in stripes)
        {
            using var transaction = connection.BeginTransaction();
            using var upsert = connection.CreateCommand();
            upsert.CommandText = "INSERT INTO objects (key, info, pending) VALUES ($key, $info, 0) ON CONFLICT (key) DO UPDATE SET info = $info, pending = 0";
            var key = upsert.Parameters.Add("$key", SqliteType.Blob);
            var info = upsert.Parameters.Add("$info", SqliteType.Blob);
            foreach (var entry in stripe)
            {
                key.Value = Encoding.UTF8.GetBytes(entry.Key);
                info.Value = BlobFile.SerializeToUtf8Bytes(entry);
                upsert.ExecuteNonQuery();
                count++;
            }

            transaction.Commit();
        }

        Execute(connection, $"INSERT INTO meta (name, value) VALUES ('built', '{SchemaVersion}') ON CONFLICT (name) DO UPDATE SET value = excluded.value;");
        return count;
    }

    /// <summary>The smallest byte string greater than every string starting with <paramref name="prefix"/>;
    /// null when there is none (empty, or all 0xFF).</summary>
    private static byte[]? Successor(byte[] prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != 0xFF)
            {
                var next = prefix[..(i + 1)];
                next[i]++;
                return next;
            }
        }

        return null;
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // WAL stays consistent on a crash; the files are the truth. (No mmap_size: mapped pages count in
        // the process's RSS, and the start-up integrity check touches them all.)
        // busy_timeout: SQLite waits for another writer itself, from 1 ms up. Without it Microsoft.Data.Sqlite
        // sleeps 150 ms after every SQLITE_BUSY, and concurrent small puts (two index writes each) queued on
        // those sleeps: a second writer waited 162 ms for a lock held 20 ms (37 ms with busy_timeout).
        Execute(connection, $"PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};");
        return connection;
    }

    /// <summary>Group commit: the write joins a queue, and whoever holds the gate commits everything
    /// queued in one transaction. SQLite admits one writer at a time anyway, and a transaction per write
    /// cost 64 concurrent 4 KiB puts a pooled connection, its pragmas, a statement parse and a commit each,
    /// twice per put, with the waiters spinning on the lock. Other processes on the root meet busy_timeout.
    /// The queue is first in, first out, so one key's writes commit in the order its lock let them in.</summary>
    private async Task WriteAsync(string sql, string key, byte[]? info = null)
    {
        var write = new QueuedWrite(sql, Encoding.UTF8.GetBytes(key), info);
        _queue.Enqueue(write);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            while (!write.Done.Task.IsCompleted)
            {
                CommitQueued();
            }
        }
        finally
        {
            _gate.Release();
        }

        await write.Done.Task.ConfigureAwait(false);
    }

    private void CommitQueued()
    {
        var batch = new List<QueuedWrite>();
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var queued))
        {
            batch.Add(queued);
        }

        var commands = new Dictionary<string, SqliteCommand>();
        try
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            foreach (var write in batch)
            {
                if (!commands.TryGetValue(write.Sql, out var command))
                {
                    command = connection.CreateCommand();
                    command.CommandText = write.Sql;
                    command.Parameters.Add("$key", SqliteType.Blob);
                    if (write.Info is not null)
                    {
                        command.Parameters.Add("$info", SqliteType.Blob);
                    }

                    commands.Add(write.Sql, command);
                }

                command.Parameters["$key"].Value = write.Key;
                if (write.Info is not null)
                {
                    command.Parameters["$info"].Value = write.Info;
                }

                command.ExecuteNonQuery();
            }

            transaction.Commit();
            batch.ForEach(w => w.Done.TrySetResult());
        }
        catch (Exception e)
        {
            batch.ForEach(w => w.Done.TrySetException(e));
        }
        finally
        {
            foreach (var command in commands.Values)
            {
                command.Dispose();
            }
        }
    }

    private sealed record QueuedWrite(string Sql, byte[] Key, byte[]? Info)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
