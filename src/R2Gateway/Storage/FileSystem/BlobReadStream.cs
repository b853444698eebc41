using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>The data part of an open blob, without its trailer. Positional reads keep it independent
/// of any other use of the handle.</summary>
internal sealed class BlobReadStream(SafeFileHandle handle, long length) : ObjectReadStream(length)
{
    private const int SmallRead = 64 * 1024;

    // At the end no system call: the response's copy asks once more after the last bytes.
    public override int Read(Span<byte> buffer) =>
        Readable(buffer.Length) is > 0 and var readable ? Advance(Libc.ReadAt(handle, buffer[..readable], Position)) : 0;

    /// <remarks>A small read is done in place: .NET has no asynchronous file I/O on Linux, so an async read is a
    /// hop to a pool thread and back, which costs a small GET more than reading a few pages from the cache.</remarks>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var readable = Readable(buffer.Length);
        return readable <= SmallRead
            ? ValueTask.FromResult(Read(buffer.Span[..readable]))
            : ReadLargeAsync(buffer[..readable], cancellationToken);
    }

    private async ValueTask<int> ReadLargeAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Advance(await RandomAccess.ReadAsync(handle, buffer, Position, cancellationToken));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
