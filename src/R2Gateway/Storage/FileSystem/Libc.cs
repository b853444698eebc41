using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>The few libc calls the store needs where .NET has no API that does only that (Linux).</summary>
internal static partial class Libc
{
    public const int OpenReadOnly = 0;
    public const int OpenDirectory = 0x10000;
    public const int OpenCloseOnExec = 0x80000;

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EACCES = 13;
    public const int ENOTDIR = 20;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    /// <summary>One <c>pread(2)</c>. <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/> first asks a
    /// fresh handle with <c>lseek</c> whether it can seek, a system call more on every GET and HEAD, each of which
    /// opens its file anew; a store file always can.</summary>
    public static unsafe int ReadAt(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        if (!OperatingSystem.IsLinux())
        {
            return RandomAccess.Read(handle, buffer, offset);
        }

        var added = false;
        handle.DangerousAddRef(ref added); // a concurrent Dispose must not close (and the fd be reused) mid-read
        try
        {
            fixed (byte* bytes = buffer)
            {
                while (true)
                {
                    var read = PRead((int)handle.DangerousGetHandle(), bytes, (nuint)buffer.Length, offset);
                    if (read >= 0)
                    {
                        return (int)read;
                    }

                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != EINTR)
                    {
                        throw new IOException($"Cannot read the store file: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
