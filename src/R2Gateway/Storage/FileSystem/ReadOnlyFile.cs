using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>Opens a store file for reading with one <c>open(2)</c>. On Unix, .NET emulates FileShare with a
/// shared <c>flock</c> taken at open and dropped before close, and checks with <c>fstat</c> that the path is not a
/// directory: three more system calls on every GET and HEAD. Nothing ever locks an object or part file
/// exclusively (the store's locks are files of their own), so the shared lock guarded nothing. A 4 KiB HEAD:
/// 8 % more requests per second, nine pairs of ten (docs/benchmarks.md, "One open(2) per read").</summary>
internal static class ReadOnlyFile
{
    public static SafeFileHandle Open(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }

        int fd, errno;
        do
        {
            fd = Libc.Open(path, Libc.OpenReadOnly | Libc.OpenCloseOnExec);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (errno == Libc.EINTR);

        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw errno switch
        {
            // The callers' "not there" is what File.OpenHandle throws for the same errors.
            Libc.ENOENT => new FileNotFoundException($"Could not find file '{path}'.", path),
            Libc.ENOTDIR => new DirectoryNotFoundException($"Could not find a part of the path '{path}'."),
            Libc.EACCES => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
            _ => new IOException($"Cannot open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno),
        };
    }
}
