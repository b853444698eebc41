using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using R2Gateway.Cli.Commands;
using R2Gateway.Cli.Gateway;
using R2Gateway.Storage;

namespace R2Gateway.Cli.Transfers;

/// <summary>What a download did; also the <c>--json</c> answer.</summary>
public sealed record DownloadOutcome(
    string Key,
    string File,
    long Size,
    [property: JsonPropertyName("etag")] string ETag,
    bool Md5Verified,
    long ResumedFrom,
    [property: JsonIgnore] TimeSpan Elapsed)
{
    public double Seconds => Math.Round(Elapsed.TotalSeconds, 3);
}

/// <summary>
/// Downloads an object into a partial file next to the target, named after the object's etag, so a
/// later run continues it with a Range request only while the object is unchanged (If-Match). Checks
/// the MD5 where the etag is one, then renames the file into place.
/// </summary>
public sealed class Downloader(CommandContext context)
{
    private const int ChunkSize = 256 * 1024;

    private GatewayClient Gateway => context.Gateway;

    /// <summary>Where the bytes of <paramref name="etag"/> collect until the download is complete.</summary>
    public static string PartialPath(string target, string etag) => $"{target}.{etag}.r2gw-partial";

    public async Task<DownloadOutcome> DownloadAsync(string key, string target, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (size, etag) = await Gateway.HeadAsync(key, cancellationToken);
        var partial = PartialPath(target, etag);
        using var md5 = Etags.IsMd5Hex(etag) ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        long resumedFrom;
        await using (var file = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, ChunkSize, FileOptions.Asynchronous))
        {
            if (file.Length > size)
            {
                file.SetLength(0);
            }

            resumedFrom = file.Length;
            if (md5 is not null)
            {
                await HashAsync(file, md5, cancellationToken); // the bytes already here count towards the MD5
            }

            file.Seek(0, SeekOrigin.End);
            try
            {
                await context.Reporter.TrackAsync($"download {Path.GetFileName(target)}", size, resumedFrom, async progress =>
                {
                    await Gateway.Streams.RunAsync("download", async token =>
                    {
                        await ReceiveAsync(key, etag, size, file, md5, progress, token);
                        return file.Position;
                    }, cancellationToken);
                    return size;
                });
            }
            catch (Exception e) when (file.Length > 0)
            {
                throw new ResumableException($"{file.Length} bytes are kept in {partial}: run the same command again to continue", e);
            }
        }

        var localMd5 = md5 is null ? null : Etags.FromMd5(md5.GetHashAndReset());
        if (localMd5 is not null && localMd5 != etag)
        {
            File.Delete(partial);
            throw new VerificationException($"the downloaded bytes have MD5 {localMd5}, the object's etag is {etag}; the partial file was removed");
        }

        File.Move(partial, target, overwrite: true);
        return new DownloadOutcome(key, target, size, etag, localMd5 is not null, resumedFrom, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>One attempt: the bytes from the end of the partial file on; a stall longer than the
    /// request timeout counts as a dropped connection, which the retry policy answers with a new attempt.</summary>
    private async Task ReceiveAsync(string key, string etag, long size, FileStream file, IncrementalHash? md5, Action<long> progress, CancellationToken cancellationToken)
    {
        if (file.Position >= size)
        {
            return;
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(Gateway.AttemptTimeout);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            using var response = await Gateway.GetOnceAsync(key, file.Position, etag, stall.Token);
            if (file.Position > 0 && response.StatusCode != HttpStatusCode.PartialContent)
            {
                throw new GatewayException($"the gateway answered {(int)response.StatusCode} to a Range request instead of 206");
            }

            await using var body = await response.Content.ReadAsStreamAsync(stall.Token);
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, ChunkSize), stall.Token)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                md5?.AppendData(buffer, 0, read);
                progress(read);
                stall.CancelAfter(Gateway.AttemptTimeout);
            }
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no data from the gateway for {Gateway.AttemptTimeout}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (file.Position < size)
        {
            throw new HttpIOException(HttpRequestError.ResponseEnded, $"the connection ended after {file.Position} of {size} bytes");
        }
    }

    private static async Task HashAsync(FileStream file, IncrementalHash md5, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            file.Seek(0, SeekOrigin.Begin);
            int read;
            while ((read = await file.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken)) > 0)
            {
                md5.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
