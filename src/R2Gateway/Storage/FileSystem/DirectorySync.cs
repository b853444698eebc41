using System.Runtime.InteropServices;

namespace R2Gateway.Storage.FileSystem;

/// <summary>Makes a create or rename in a directory durable by flushing the directory itself.
/// .NET cannot open a directory as a stream, so this is open(2) + fsync(2) — hand-written for want of an API.</summary>
public static class DirectorySync
{
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // elsewhere a rename is durable once it returns, or there is no portable way
        }

        var fd = Libc.Open(directory, Libc.OpenReadOnly | Libc.OpenDirectory | Libc.OpenCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"Cannot open {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Libc.Fsync(fd) != 0)
            {
                throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }
}
