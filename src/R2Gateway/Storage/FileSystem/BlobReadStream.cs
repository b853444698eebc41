using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>The data part of an open blob, without its trailer. Positional reads keep it independent
/// of any other use of the handle.</summary>
internal sealed class BlobReadStream(SafeFileHandle handle, long length) : ObjectReadStream(length)
{
    public override int Read(Span<byte> buffer) => Advance(RandomAccess.Read(handle, buffer[..Readable(buffer.Length)], Position));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Advance(await RandomAccess.ReadAsync(handle, buffer[..Readable(buffer.Length)], Position, cancellationToken));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
