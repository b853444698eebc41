using System.Security.Cryptography;
using System.Text;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage.FileSystem;

public sealed class BlobFileTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Data(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3)).ToArray();

    private async Task<string> WriteBlobAsync(byte[] data, PartInfo trailer)
    {
        var path = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N"));
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        await file.WriteAsync(data);
        await BlobFile.AppendTrailerAsync(file, trailer, fsync: false, CancellationToken.None);
        return path;
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_written_trailer_reads_back_with_the_data_length()
    {
        var data = Data(1000);
        var trailer = new PartInfo(7, "0123456789abcdef0123456789abcdef", data.Length, Now);
        var path = await WriteBlobAsync(data, trailer);

        using var handle = File.OpenHandle(path);
        var (read, dataLength) = BlobFile.ReadTrailer<PartInfo>(handle, path);

        read.Should().Be(trailer);
        dataLength.Should().Be(data.Length);
        new FileInfo(path).Length.Should().BeGreaterThan(data.Length, "the trailer follows the data");
    }

    [Fact]
    public async Task An_empty_blob_has_a_data_length_of_zero()
    {
        var trailer = new PartInfo(1, "d41d8cd98f00b204e9800998ecf8427e", 0, Now);
        var path = await WriteBlobAsync([], trailer);

        using var handle = File.OpenHandle(path);
        var (read, dataLength) = BlobFile.ReadTrailer<PartInfo>(handle, path);

        read.Should().Be(trailer);
        dataLength.Should().Be(0);
    }

    [Fact]
    public async Task BlobReadStream_shows_exactly_the_data_and_never_the_trailer()
    {
        var data = Data(300);
        var path = await WriteBlobAsync(data, new PartInfo(1, "x", data.Length, Now));
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var (_, dataLength) = BlobFile.ReadTrailer<PartInfo>(handle, path);

        await using var stream = new BlobReadStream(handle, dataLength);

        stream.Length.Should().Be(data.Length);
        stream.CanSeek.Should().BeTrue();
        stream.CanWrite.Should().BeFalse();
        (await ReadToEndAsync(stream)).Should().Equal(data);
        stream.Position.Should().Be(data.Length);
    }

    [Fact]
    public async Task BlobReadStream_reads_clamp_at_the_end_of_the_data()
    {
        var data = Data(100);
        var path = await WriteBlobAsync(data, new PartInfo(1, "x", data.Length, Now));
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var (_, dataLength) = BlobFile.ReadTrailer<PartInfo>(handle, path);
        await using var stream = new BlobReadStream(handle, dataLength);

        stream.Seek(90, SeekOrigin.Begin).Should().Be(90);
        var buffer = new byte[64];
        var read = stream.Read(buffer, 0, buffer.Length);

        read.Should().Be(10);
        buffer[..10].Should().Equal(data[90..]);
        buffer[10..].Should().OnlyContain(b => b == 0, "nothing past the data may be copied");
        stream.Read(buffer, 0, buffer.Length).Should().Be(0);
        (await stream.ReadAsync(buffer.AsMemory())).Should().Be(0);
    }

    [Fact]
    public async Task BlobReadStream_async_reads_clamp_at_the_end_of_the_data()
    {
        var data = Data(100);
        var path = await WriteBlobAsync(data, new PartInfo(1, "x", data.Length, Now));
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var (_, dataLength) = BlobFile.ReadTrailer<PartInfo>(handle, path);
        await using var stream = new BlobReadStream(handle, dataLength);

        stream.Seek(-5, SeekOrigin.End).Should().Be(95);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer.AsMemory());

        read.Should().Be(5);
        buffer[..5].Should().Equal(data[95..]);
        buffer[5..].Should().OnlyContain(b => b == 0);
    }

    [Fact]
    public async Task BlobReadStream_seeks_from_begin_current_and_end()
    {
        var data = Data(50);
        var path = await WriteBlobAsync(data, new PartInfo(1, "x", data.Length, Now));
        var handle = File.OpenHandle(path);
        var (_, dataLength) = BlobFile.ReadTrailer<PartInfo>(handle, path);
        using var stream = new BlobReadStream(handle, dataLength);

        stream.Seek(10, SeekOrigin.Begin).Should().Be(10);
        stream.ReadByte().Should().Be(data[10]);
        stream.Seek(5, SeekOrigin.Current).Should().Be(16);
        stream.ReadByte().Should().Be(data[16]);
        stream.Seek(-1, SeekOrigin.End).Should().Be(49);
        stream.ReadByte().Should().Be(data[49]);
        stream.ReadByte().Should().Be(-1);

        stream.Position = 1000;
        stream.ReadByte().Should().Be(-1, "a position past the end reads nothing, not the trailer");

        var beforeStart = () => stream.Seek(-1, SeekOrigin.Begin);
        beforeStart.Should().Throw<ArgumentOutOfRangeException>();
        var write = () => stream.Write([1], 0, 1);
        write.Should().Throw<NotSupportedException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    [InlineData(500)]
    public void ReadTrailer_of_a_file_that_is_not_a_blob_is_InvalidDataException(int length)
    {
        var path = Path.Combine(_dir.Path, "garbage");
        File.WriteAllBytes(path, Enumerable.Range(0, length).Select(i => (byte)(i * 31)).ToArray());
        using var handle = File.OpenHandle(path);

        var act = () => BlobFile.ReadTrailer<PartInfo>(handle, path);

        act.Should().Throw<InvalidDataException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue)]
    public void ReadTrailer_with_an_impossible_trailer_length_is_InvalidDataException(int trailerLength)
    {
        var path = Path.Combine(_dir.Path, "bad-length");
        var footer = BitConverter.GetBytes(trailerLength).Concat("R2GWBLB1"u8.ToArray());
        File.WriteAllBytes(path, Data(20).Concat(footer).ToArray());
        using var handle = File.OpenHandle(path);

        var act = () => BlobFile.ReadTrailer<PartInfo>(handle, path);

        act.Should().Throw<InvalidDataException>();
    }

    [Fact]
    public void ReadTrailer_with_a_valid_footer_but_a_garbage_trailer_is_InvalidDataException()
    {
        var path = Path.Combine(_dir.Path, "bad-json");
        var json = "{not json"u8.ToArray();
        var footer = BitConverter.GetBytes(json.Length).Concat("R2GWBLB1"u8.ToArray());
        File.WriteAllBytes(path, Data(20).Concat(json).Concat(footer).ToArray());
        using var handle = File.OpenHandle(path);

        var act = () => BlobFile.ReadTrailer<PartInfo>(handle, path);

        act.Should().Throw<InvalidDataException>();
    }

    [Fact]
    public async Task A_blob_cut_short_is_InvalidDataException()
    {
        var path = await WriteBlobAsync(Data(100), new PartInfo(1, "x", 100, Now));
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(file.Length - 3);
        }

        using var handle = File.OpenHandle(path);

        var act = () => BlobFile.ReadTrailer<PartInfo>(handle, path);

        act.Should().Throw<InvalidDataException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public async Task CopyHashingAsync_copies_the_bytes_and_returns_their_md5(int length)
    {
        var data = Data(length);
        using var destination = new MemoryStream();

        var (copied, md5, _) = await BlobFile.CopyHashingAsync(new MemoryStream(data), destination, length, null, CancellationToken.None);

        copied.Should().Be(length);
        md5.Should().Equal(MD5.HashData(data));
        destination.ToArray().Should().Equal(data);
    }

    [Fact]
    public async Task CopyHashingAsync_md5_of_a_known_string_is_right()
    {
        using var destination = new MemoryStream();

        var (_, md5, _) = await BlobFile.CopyHashingAsync(new MemoryStream(Encoding.ASCII.GetBytes("hello world")), destination, 100, null, CancellationToken.None);

        Etags.FromMd5(md5).Should().Be("5eb63bbbe01eeed093cb22bb8f5acdc3");
    }

    [Fact]
    public async Task CopyHashingAsync_over_the_limit_is_EntityTooLarge()
    {
        using var destination = new MemoryStream();

        var act = () => BlobFile.CopyHashingAsync(new MemoryStream(Data(101)), destination, 100, null, CancellationToken.None);

        (await act.Should().ThrowAsync<StoreException>()).Which.Code.Should().Be(StoreErrorCode.EntityTooLarge);
    }
}
