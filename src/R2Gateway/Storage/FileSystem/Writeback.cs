using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace R2Gateway.Storage.FileSystem;

/// <summary>Starts the disk write of a range already written, without waiting for it (Linux's
/// sync_file_range with SYNC_FILE_RANGE_WRITE): a large body is flushed while it is still arriving, so
/// the fsync before the rename finds little left to do. Hand-written: .NET has no API for it.</summary>
internal static partial class Writeback
{
    private const uint SyncFileRangeWrite = 2;

    public static void Start(SafeFileHandle file, long offset, long length)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SyncFileRange(file, offset, length, SyncFileRangeWrite); // a hint: the fsync after it is what counts
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);
}
