using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage.FileSystem;

public sealed class ReadOnlyFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public void It_reads_what_the_file_holds_at_any_offset()
    {
        var path = Write("blob", [1, 2, 3, 4, 5, 6]);

        using var handle = ReadOnlyFile.Open(path);
        var tail = new byte[2];

        RandomAccess.GetLength(handle).Should().Be(6);
        Libc.ReadAt(handle, tail, 4).Should().Be(2);
        tail.Should().Equal(5, 6);
        Libc.ReadAt(handle, tail, 5).Should().Be(1, "a read that runs past the end is short");
        tail[0].Should().Be(6);
        Libc.ReadAt(handle, tail, 6).Should().Be(0, "at the end there is nothing to read");
    }

    [Fact]
    public void A_read_that_fails_or_comes_after_dispose_throws_instead_of_answering_a_count()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_dir.Path, "dir")).FullName;
        using (var handle = ReadOnlyFile.Open(directory)) // open(2) of a directory for reading succeeds on Linux; reading it fails
        {
            FluentActions.Invoking(() => Libc.ReadAt(handle, new byte[4], 0)).Should().Throw<IOException>();
        }

        var closed = ReadOnlyFile.Open(Write("blob", [1, 2]));
        closed.Dispose();
        FluentActions.Invoking(() => Libc.ReadAt(closed, new byte[2], 0)).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void It_holds_no_lock_that_an_exclusive_locker_would_meet()
    {
        var path = Write("blob", [1]);

        using (ReadOnlyFile.Open(path))
        {
            // FileShare.None takes an exclusive flock on Unix: it fails while any shared flock is held.
            using var exclusive = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        }

        if (!OperatingSystem.IsWindows())
        {
            // What the store's readers did before: an open with FileShare takes the shared lock that this test rules out.
            using var shared = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var locking = () => new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            locking.Should().Throw<IOException>();
        }
    }

    [Fact]
    public void A_missing_file_is_not_found_as_File_OpenHandle_reports_it()
    {
        var missing = Path.Combine(_dir.Path, "missing");
        var throughAFile = Path.Combine(Write("file", [1]), "child");

        FluentActions.Invoking(() => ReadOnlyFile.Open(missing)).Should().Throw<FileNotFoundException>();
        FluentActions.Invoking(() => ReadOnlyFile.Open(Path.Combine(missing, "child"))).Should().Throw<IOException>()
            .Which.Should().Match(e => e is FileNotFoundException || e is DirectoryNotFoundException);
        FluentActions.Invoking(() => ReadOnlyFile.Open(throughAFile)).Should().Throw<IOException>()
            .Which.Should().Match(e => e is FileNotFoundException || e is DirectoryNotFoundException);
    }

    [Fact]
    public void Disposing_the_handle_closes_the_file()
    {
        var path = Write("blob", [1]);

        var handle = ReadOnlyFile.Open(path);
        var link = $"/proc/self/fd/{handle.DangerousGetHandle()}";
        if (OperatingSystem.IsLinux())
        {
            new FileInfo(link).LinkTarget.Should().Be(path);
        }

        handle.Dispose();

        if (OperatingSystem.IsLinux())
        {
            // Another thread may have been given the same number since; it is not this file.
            (File.Exists(link) ? new FileInfo(link).LinkTarget : null).Should().NotBe(path);
        }
    }
}
