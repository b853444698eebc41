namespace R2Gateway.Storage.FileSystem;

/// <summary>An exclusive advisory lock on a file (flock through FileShare.None), held until disposed.
/// It works across gateway processes sharing one root and is released by the OS if a process dies.</summary>
internal static class FileLock
{
    /// <summary>The lock, or null when another holder has it. Any other failure to open the lock
    /// file (a full disk, no file handles left, a read-only root) is thrown: waiting would not help.</summary>
    public static FileStream? TryAcquire(string path, FileMode mode = FileMode.OpenOrCreate)
    {
        try
        {
            return new FileStream(path, mode, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException e) when (IsHeldByAnother(e))
        {
            return null;
        }
    }

    public static async Task<FileStream> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = 2;
        while (true)
        {
            if (TryAcquire(path) is { } held)
            {
                return held;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw Busy();
            }

            await Task.Delay(delay, cancellationToken);
            delay = Math.Min(delay * 2, 50);
        }
    }

    /// <summary>What a writer hears when a lock stays held longer than it may wait.</summary>
    public static ContractException Busy() => Error.Unavailable("The store is busy with another write to this key; try again.");

    /// <summary>The only failure that means contention: flock's EWOULDBLOCK on Unix (the exception
    /// carries the errno), a sharing violation on Windows.</summary>
    private static bool IsHeldByAnother(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33
        : OperatingSystem.IsLinux() ? e.HResult == 11 // EAGAIN = EWOULDBLOCK
        : e.HResult == 35; // macOS, BSD
}
