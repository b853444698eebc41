using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>
/// Writes a large blob through the page cache without growing it: every <see cref="Window"/> bytes the
/// window just written is queued for writeback, and the one before it, by then on disk, is dropped
/// from the cache. An upload then reuses the same few megabytes of cache pages instead of taking
/// fresh ones for every byte. On a VM that hands free memory back to its host (virtio-balloon free
/// page reporting), a fresh page costs a host fault: `dd` of 1 GiB into fresh pages measured 2.7–3.7
/// CPU-s of kernel time, into recycled ones 0.2.
/// </summary>
/// <remarks>sync_file_range(2) and posix_fadvise(2) have no .NET API, hence the P/Invoke. Elsewhere
/// than Linux this is a plain pass-through.
/// <para>A <paramref name="durable"/> stream (the store's Fsync) also flushes to disk every
/// <see cref="DurableFlushEvery"/> bytes on a pool thread, while the upload goes on. Written-back pages
/// can still sit in a virtual disk's cache, and one fsync at the end flushed that whole gigabyte while
/// the client waited: 0.19–0.42 s of a 1 GiB put, 0.03 s with the flushes along the way.</para></remarks>
internal sealed partial class WriteBehindFileStream(FileStream file, bool durable = false, long flushEvery = WriteBehindFileStream.DurableFlushEvery,
    Action<SafeFileHandle>? flushToDisk = null) : Stream
{
    public const int Window = 8 * 1024 * 1024;
    public const long DurableFlushEvery = 64L * 1024 * 1024;

    private const uint SyncWaitBefore = 1, SyncWrite = 2, SyncWaitAfter = 4;
    private const int FadviseDontNeed = 4;

    private readonly bool _enabled = OperatingSystem.IsLinux();
    private long _written;
    private long _queued; // bytes before this offset have had their writeback started
    private long _dropped; // and before this one have left the page cache
    private long _flushRequested; // a flush to disk has been started for the bytes before this offset
    private Task _flushing = Task.CompletedTask;
    private readonly Action<SafeFileHandle> _flushToDisk = flushToDisk ?? RandomAccess.FlushToDisk;

    /// <summary>Flushes to disk started along the way, for the tests.</summary>
    internal int FlushesStarted { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        Advance(buffer.Length);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await file.WriteAsync(buffer, cancellationToken);
        Advance(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Waits for the flush to disk started along the way, if any, and throws its error: Linux
    /// reports a write-back error to one fsync of a file description only, so the final flush would not
    /// see it again.</summary>
    public Task FlushesDoneAsync() => _flushing;

    /// <summary>Once the file is flushed to disk, drops the rest of a large blob from the page cache:
    /// its pages are clean, so this costs no I/O, and the next upload reuses them. A small blob stays.</summary>
    public void DropFlushed()
    {
        if (_enabled && _written >= Window)
        {
            _ = Fadvise((int)file.SafeFileHandle.DangerousGetHandle(), 0, 0, FadviseDontNeed);
        }
    }

    private void Advance(int count)
    {
        _written += count;
        if (!_enabled || _written - _queued < Window)
        {
            return;
        }

        var fd = (int)file.SafeFileHandle.DangerousGetHandle();
        var end = _written - _written % Window;
        // Failures only cost the optimisation: the final flush still makes the data durable.
        _ = SyncFileRange(fd, _queued, end - _queued, SyncWrite);
        if (_queued > _dropped && SyncFileRange(fd, _dropped, _queued - _dropped, SyncWaitBefore | SyncWrite | SyncWaitAfter) == 0)
        {
            _ = Fadvise(fd, _dropped, _queued - _dropped, FadviseDontNeed);
            _dropped = _queued;
        }

        _queued = end;
        if (durable && end - _flushRequested >= flushEvery && _flushing.IsCompleted)
        {
            _flushing.GetAwaiter().GetResult(); // a failed earlier flush fails the upload now
            _flushRequested = end;
            FlushesStarted++;
            var handle = file.SafeFileHandle;
            _flushing = Task.Run(() =>
            {
                try
                {
                    _flushToDisk(handle);
                }
                catch (ObjectDisposedException)
                {
                    // The upload failed and closed its file before this began: nothing to keep.
                }
            });
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int Fadvise(int fd, long offset, long length, int advice);
}
