using System.Runtime.InteropServices;

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

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
