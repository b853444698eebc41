using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage.FileSystem;

/// <summary>Which pages of a file are in the page cache, asked of the kernel with mincore(2). The files
/// live beside the test binaries, on a disk: on tmpfs every page is cache and nothing can leave it.</summary>
public sealed partial class WriteBehindFileStreamTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private const int Window = WriteBehindFileStream.Window;
    private readonly string _dir = Path.Combine(AppContext.BaseDirectory, "write-behind-" + Guid.NewGuid().ToString("N"));

    public WriteBehindFileStreamTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Data(int length) => Enumerable.Range(0, length).Select(i => (byte)((i * 13) + (i >> 12))).ToArray();

    private static async Task WriteInPiecesAsync(Stream stream, byte[] data, int piece)
    {
        for (var offset = 0; offset < data.Length; offset += piece)
        {
            await stream.WriteAsync(data.AsMemory(offset, Math.Min(piece, data.Length - offset)));
        }
    }

    private string NewPath() => Path.Combine(_dir, Guid.NewGuid().ToString("N"));

    private static FileStream Create(string path) => new(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);

    /// <summary>The share of [offset, offset + length) held in the page cache, 0 to 1.</summary>
    private static double Resident(string path, long offset, long length)
    {
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        var pageSize = Environment.SystemPageSize;
        var pages = new byte[(length + pageSize - 1) / pageSize];
        var start = view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)offset;
        Mincore(start, (nuint)length, pages).Should().Be(0, "mincore(2) answers for a mapped file");
        return pages.Count(p => (p & 1) != 0) / (double)pages.Length;
    }

    [LibraryImport("libc", EntryPoint = "mincore")]
    private static partial int Mincore(nint address, nuint length, [Out] byte[] pages);

    [Fact]
    public async Task Every_byte_reaches_the_file_whatever_the_write_sizes()
    {
        var data = Data((3 * Window) + 12_345);
        var path = NewPath();
        await using (var file = Create(path))
        {
            await WriteInPiecesAsync(new WriteBehindFileStream(file), data, 100_003);
        }

        (await File.ReadAllBytesAsync(path)).Should().Equal(data);
    }

    [Fact]
    public async Task Windows_behind_the_writer_leave_the_page_cache_and_the_last_stays()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // a pass-through elsewhere, nothing to observe
        }

        var path = NewPath();
        await using var file = Create(path);
        var stream = new WriteBehindFileStream(file);
        await WriteInPiecesAsync(stream, Data(4 * Window), 128 * 1024);

        Resident(path, 0, 2 * Window).Should().BeLessThan(0.1, "the first windows were written back and dropped");
        Resident(path, 3 * Window, Window).Should().BeGreaterThan(0.9, "the window just written is still in the cache");

        file.Flush(flushToDisk: true);
        stream.DropFlushed();
        Resident(path, 0, 4 * Window).Should().BeLessThan(0.1, "a flushed large blob leaves the cache whole");
    }

    [Fact]
    public async Task A_blob_smaller_than_a_window_stays_in_the_page_cache()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var path = NewPath();
        await using var file = Create(path);
        var stream = new WriteBehindFileStream(file);
        await WriteInPiecesAsync(stream, Data(MiB), 128 * 1024);
        file.Flush(flushToDisk: true);
        stream.DropFlushed();

        Resident(path, 0, MiB).Should().BeGreaterThan(0.9, "small objects are the ones read back soon");
    }

    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 0)]
    public async Task A_durable_stream_flushes_to_disk_every_so_many_bytes_while_it_writes(bool durable, int flushes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var path = NewPath();
        var flushed = 0;
        await using var file = Create(path);
        var stream = new WriteBehindFileStream(file, durable, flushEvery: 2 * Window, flushToDisk: handle =>
        {
            RandomAccess.FlushToDisk(handle);
            Interlocked.Increment(ref flushed);
        });
        for (var window = 0; window < 7; window++)
        {
            await WriteInPiecesAsync(stream, Data(Window), 128 * 1024);
            await stream.FlushesDoneAsync(); // one at a time: a flush still running is not started twice
        }

        stream.FlushesStarted.Should().Be(flushes, "one flush per two windows queued: at 16, 32 and 48 MiB");
        flushed.Should().Be(flushes);
    }

    [Fact]
    public async Task A_failed_flush_along_the_way_fails_the_upload_before_its_final_flush()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        await using var file = Create(NewPath());
        var stream = new WriteBehindFileStream(file, durable: true, flushEvery: Window,
            flushToDisk: _ => throw new IOException("EIO from the disk"));
        var upload = async () =>
        {
            await WriteInPiecesAsync(stream, Data(3 * Window), 128 * 1024); // a later write may see it first
            await stream.FlushesDoneAsync();
        };

        // Linux reports a write-back error to one fsync only: swallowed here, the final one would succeed.
        await upload.Should().ThrowAsync<IOException>().WithMessage("EIO*");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task The_store_keeps_a_large_upload_in_the_page_cache_only_with_CacheWrites(bool cacheWrites, bool cached)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var store = new FileSystemObjectStore(
            Options.Create(new FileSystemStoreOptions { Root = Path.Combine(_dir, "root"), CacheWrites = cacheWrites }),
            Options.Create(new StorageOptions()), new ManualClock(DateTimeOffset.UtcNow));
        var data = Data(3 * Window);
        await store.PutObjectAsync("big.bin", new MemoryStream(data), data.Length, new PutOptions(ObjectMetadata.None), CancellationToken.None);

        var blob = new DirectoryInfo(_dir).EnumerateFiles("*", SearchOption.AllDirectories).MaxBy(f => f.Length)!;
        blob.Length.Should().BeGreaterThan(data.Length, "the largest file under the root is the object's blob");
        var resident = Resident(blob.FullName, 0, data.Length);
        if (cached)
        {
            resident.Should().BeGreaterThan(0.9);
        }
        else
        {
            resident.Should().BeLessThan(0.1);
        }

        await using var stored = await store.GetObjectAsync("big.bin", CancellationToken.None);
        using var copy = new MemoryStream();
        await stored!.Content.CopyToAsync(copy);
        copy.ToArray().Should().Equal(data, "dropped from the cache, it still reads back from disk");
    }
}
