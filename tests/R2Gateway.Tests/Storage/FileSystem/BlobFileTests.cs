using System.Security.Cryptography;
using System.IO.Pipelines;
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

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(5000)]
    public async Task A_length_hint_right_or_wrong_reads_the_same_trailer(int dataLength)
    {
        var path = await WriteBlobAsync(Data(dataLength), new PartInfo(1, "0123456789abcdef0123456789abcdef", dataLength, Now));
        var length = new FileInfo(path).Length;
        using var handle = ReadOnlyFile.Open(path);
        var unhinted = BlobFile.ReadTrailerJson(handle, path);

        foreach (var hint in new long?[] { length, length - 1, length + 1, length - 12, length + 4096, 11, 0, -5 })
        {
            var hinted = BlobFile.ReadTrailerJson(handle, path, hint);

            hinted.Json.Should().Equal(unhinted.Json, $"the hint was {hint} for a file of {length} bytes");
            (hinted.DataLength, hinted.Length).Should().Be((dataLength, length));
        }
    }

    [Fact]
    public void A_length_hint_that_fits_a_file_that_is_not_a_blob_is_still_InvalidDataException()
    {
        var path = Path.Combine(_dir.Path, "garbage");
        File.WriteAllBytes(path, Data(300));
        using var handle = ReadOnlyFile.Open(path);

        var act = () => BlobFile.ReadTrailerJson(handle, path, 300);

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

    /// <summary>Copies <paramref name="body"/> into a new file as the store does; returns the result and the file's bytes.</summary>
    private async Task<((long Length, byte[] Md5, byte[]? Checksum) Result, byte[] Written)> CopyAsync(
        Stream body, long limit, ChecksumAlgorithm? checksum = null)
    {
        var path = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N"));
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
        {
            var result = await BlobFile.CopyHashingAsync(body, file, limit, checksum, CancellationToken.None);
            await file.DisposeAsync();
            return (result, await File.ReadAllBytesAsync(path));
        }
    }

    /// <summary>A request body as Kestrel hands it over: a pipe the client fills in pieces of the given sizes.</summary>
    private static (Stream Body, Task Sending) PipeBody(byte[] data, int[] pieceSizes, Exception? failAfter = null)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024));
        var sending = Task.Run(async () =>
        {
            var sent = 0;
            for (var i = 0; sent < data.Length; i++)
            {
                var n = Math.Min(pieceSizes[i % pieceSizes.Length], data.Length - sent);
                await pipe.Writer.WriteAsync(data.AsMemory(sent, n));
                sent += n;
            }

            await pipe.Writer.CompleteAsync(failAfter);
        });
        return (pipe.Reader.AsStream(), sending);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3 * 1024 * 1024 + 17)]
    [InlineData(9 * 1024 * 1024 + 5)] // each buffer of the ring reused more than once
    public async Task CopyHashingAsync_copies_the_bytes_and_returns_their_md5(int length)
    {
        var data = Data(length);

        var ((copied, md5, _), written) = await CopyAsync(new MemoryStream(data), length);

        copied.Should().Be(length);
        md5.Should().Equal(MD5.HashData(data));
        written.Should().Equal(data);
    }

    [Fact]
    public async Task CopyHashingAsync_md5_of_a_known_string_is_right()
    {
        var ((_, md5, _), _) = await CopyAsync(new MemoryStream(Encoding.ASCII.GetBytes("hello world")), 100);

        Etags.FromMd5(md5).Should().Be("5eb63bbbe01eeed093cb22bb8f5acdc3");
    }

    [Fact]
    public async Task CopyHashingAsync_over_the_limit_is_EntityTooLarge()
    {
        var act = () => CopyAsync(new MemoryStream(Data(101)), 100);

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.EntityTooLarge);
    }

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 7, 4093, 1, 65537 })]
    [InlineData(new[] { 300_000 })] // more than the pipe holds before its writer pauses
    public async Task A_pipe_body_arriving_in_odd_pieces_is_copied_and_hashed_whole(int[] pieces)
    {
        var data = RandomNumberGenerator.GetBytes(pieces[0] == 1 ? 70_001 : 2 * 1024 * 1024 + 3);
        var (body, sending) = PipeBody(data, pieces);

        var ((copied, md5, sha256), written) = await CopyAsync(body, data.Length, ChecksumAlgorithm.Sha256);
        await sending;

        copied.Should().Be(data.Length);
        md5.Should().Equal(MD5.HashData(data));
        sha256.Should().Equal(SHA256.HashData(data));
        written.Should().Equal(data);
    }

    [Fact]
    public async Task A_small_body_read_in_one_piece_reports_its_length()
    {
        var data = RandomNumberGenerator.GetBytes(4096);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(data);
        await pipe.Writer.CompleteAsync();

        var ((copied, md5, _), written) = await CopyAsync(pipe.Reader.AsStream(), data.Length);

        copied.Should().Be(data.Length);
        md5.Should().Equal(MD5.HashData(data));
        written.Should().Equal(data);
    }

    [Fact]
    public async Task A_pipe_body_over_the_limit_is_EntityTooLarge()
    {
        var (body, _) = PipeBody(Data(200_000), [4096]);

        var act = () => CopyAsync(body, 150_000);

        (await act.Should().ThrowAsync<ContractException>()).Which.Code.Should().Be(ErrorCode.EntityTooLarge);
    }

    [Fact]
    public async Task A_pipe_body_whose_client_goes_away_fails_the_copy()
    {
        var (body, _) = PipeBody(Data(300_000), [4096], new IOException("The client reset the connection."));

        var act = () => CopyAsync(body, long.MaxValue);

        await act.Should().ThrowAsync<IOException>();
    }
}
