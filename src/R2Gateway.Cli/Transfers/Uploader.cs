using System.Diagnostics;
using System.Net;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;
using R2Gateway.Cli.Commands;
using R2Gateway.Cli.Gateway;
using R2Gateway.Cli.Output;
using R2Gateway.Storage;

namespace R2Gateway.Cli.Transfers;

/// <param name="Checksum">Sent with the put or every part and verified in the answers; null for none.</param>
/// <param name="Metadata">Custom metadata (x-amz-meta-*).</param>
public sealed record UploadOptions(
    long MultipartThreshold, long? PartSize, int Concurrency, string? ContentType, string? ResumeUploadId, bool ResumeRequired, bool NoResume,
    ChecksumAlgorithm? Checksum = null, IReadOnlyDictionary<string, string>? Metadata = null)
{
    public IReadOnlyDictionary<string, string> CustomMetadata => Metadata ?? new Dictionary<string, string>();
}

/// <summary>What an upload did; also the <c>--json</c> answer.</summary>
public sealed record UploadOutcome(
    string Key,
    string File,
    long Size,
    [property: JsonPropertyName("etag")] string ETag,
    string? UploadId,
    int Parts,
    long? PartSize,
    int PartsReused,
    [property: JsonIgnore] TimeSpan Elapsed,
    IReadOnlyDictionary<string, string>? Checksums = null)
{
    /// <summary>Always true in an outcome: a mismatch is an error, never a result.</summary>
    public bool Verified { get; } = true;

    public double Seconds => Math.Round(Elapsed.TotalSeconds, 3);

    public long BytesPerSecond => Units.BytesPerSecond(Size, Elapsed);
}

/// <summary>
/// Uploads a file: one <c>put</c> up to the threshold, else a multipart upload whose parts go out
/// <see cref="UploadOptions.Concurrency"/> at a time, streamed from the file. The etag the gateway
/// reports is checked against the one computed from the bytes sent (R2's rules, <see cref="Etags"/>).
/// </summary>
public sealed class Uploader(CommandContext context)
{
    private GatewayClient Gateway => context.Gateway;

    public async Task<UploadOutcome> UploadAsync(FileInfo file, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var handle = File.OpenHandle(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var multipart = file.Length > options.MultipartThreshold || options.ResumeUploadId is not null || options.ResumeRequired;
        var outcome = multipart
            ? await MultipartAsync(file, handle, key, options, cancellationToken)
            : await PutAsync(file, handle, key, options, cancellationToken);
        return outcome with { Elapsed = Stopwatch.GetElapsedTime(started) };
    }

    private async Task<UploadOutcome> PutAsync(FileInfo file, SafeFileHandle handle, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        var slice = new FileSlice(handle, 0, file.Length);
        var checksum = options.Checksum is { } algorithm ? ObjectChecksum.Of(algorithm, await slice.ChecksumAsync(algorithm, cancellationToken)) : null;
        var (stored, sentMd5) = await context.Reporter.TrackAsync($"upload {file.Name}", file.Length, 0,
            progress => Gateway.PutAsync(key, slice, options.ContentType, checksum, options.CustomMetadata, progress, cancellationToken));
        Verify(stored, sentMd5, file.Length);
        return new UploadOutcome(stored.Key, file.FullName, stored.Size, stored.Etag, null, 1, null, 0, TimeSpan.Zero, stored.Checksums);
    }

    private async Task<UploadOutcome> MultipartAsync(FileInfo file, SafeFileHandle handle, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        var (upload, listed) = await OpenAsync(file, key, options, cancellationToken);
        var plan = PartPlan.Checked(file.Length, upload.PartSize);
        var etags = new string?[plan.Count];
        var partChecksums = new byte[plan.Count][];
        ObjectSummary stored;
        var reused = 0;
        try
        {
            reused = await ReuseListedPartsAsync(listed, plan, handle, etags, options.Concurrency, cancellationToken);
            if (listed.Count > 0)
            {
                context.Reporter.Note($"resuming upload {upload.UploadId}: {reused} of {plan.Count} parts are already there");
            }

            var missing = Enumerable.Range(1, plan.Count).Where(n => etags[n - 1] is null).ToList();
            var done = file.Length - missing.Sum(n => plan.SizeOf(n));
            await context.Reporter.TrackAsync($"upload {file.Name}", file.Length, done, async progress =>
            {
                await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
                    async (n, token) =>
                    {
                        var slice = new FileSlice(handle, plan.OffsetOf(n), plan.SizeOf(n));
                        ObjectChecksum? checksum = null;
                        if (options.Checksum is { } algorithm)
                        {
                            partChecksums[n - 1] = await slice.ChecksumAsync(algorithm, token);
                            checksum = ObjectChecksum.Of(algorithm, partChecksums[n - 1]);
                        }

                        etags[n - 1] = await Gateway.UploadPartAsync(key, upload.UploadId, n, slice, checksum, progress, token);
                    });
                return missing.Count;
            });

            if (options.Checksum is { } reusedAlgorithm)
            {
                // Parts already there were checked by MD5; their checksums are needed for the object's.
                foreach (var n in Enumerable.Range(1, plan.Count).Where(n => partChecksums[n - 1] is null))
                {
                    partChecksums[n - 1] = await new FileSlice(handle, plan.OffsetOf(n), plan.SizeOf(n)).ChecksumAsync(reusedAlgorithm, cancellationToken);
                }
            }

            stored = await CompleteAsync(key, upload.UploadId, etags!, file.Length, cancellationToken);
        }
        catch (Exception e)
        {
            throw new ResumableException(ResumeHint(upload), e);
        }

        context.Resumes.Forget(upload);
        Verify(stored, Etags.Multipart(etags!), file.Length);
        if (options.Checksum is { } objectAlgorithm)
        {
            var expected = Checksums.IsFullObject(objectAlgorithm)
                ? Crc64Nvme.Of(partChecksums.Select((crc, i) => (crc, plan.SizeOf(i + 1))).ToList())
                : Checksums.Composite(objectAlgorithm, partChecksums.Select(c => ObjectChecksum.Of(objectAlgorithm, c)).ToList());
            GatewayClient.VerifyChecksum("complete", expected, stored.Checksums, required: false);
            if (stored.Checksums?.ContainsKey(Checksums.Name(objectAlgorithm)) != true)
            {
                context.Reporter.Note($"every part's {Checksums.Name(objectAlgorithm)} was verified, but the gateway's bucket keeps no checksum for the object");
            }
        }

        return new UploadOutcome(stored.Key, file.FullName, stored.Size, stored.Etag, upload.UploadId, plan.Count, plan.PartSize, reused, TimeSpan.Zero, stored.Checksums);
    }

    /// <summary>Completes the upload. When the gateway says the upload is gone (a complete whose answer was
    /// lost and then retried finds it finished), the object decides: it is ours if its etag is the one
    /// our parts make and its size the file's.</summary>
    private async Task<ObjectSummary> CompleteAsync(string key, string uploadId, string[] etags, long size, CancellationToken cancellationToken)
    {
        try
        {
            return await Gateway.CompleteAsync(key, uploadId, etags, cancellationToken);
        }
        catch (GatewayException gone) when (gone.Status == HttpStatusCode.NotFound && gone.Code == "NoSuchUpload")
        {
            var expected = Etags.Multipart(etags);
            if (await TryHeadAsync(key, cancellationToken) is not { } found || found.ETag != expected || found.Size != size)
            {
                throw;
            }

            context.Reporter.Note($"upload {uploadId} was completed already (its answer was lost); {key} has the expected etag {expected}");
            return new ObjectSummary(key, found.Size, found.ETag);
        }
    }

    private async Task<(long Size, string ETag)?> TryHeadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await Gateway.HeadAsync(key, cancellationToken);
        }
        catch (GatewayException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The upload to continue (an explicit --resume id, or the one saved for this file) with the
    /// parts it has, or a new one. Saved before any part is sent, so an interruption can always resume.</summary>
    private async Task<(SavedUpload Upload, IReadOnlyList<PartEntry> Listed)> OpenAsync(FileInfo file, string key, UploadOptions options, CancellationToken cancellationToken)
    {
        var saved = options.NoResume ? null : context.Resumes.Find(Gateway.Endpoint, key, file);
        if (options.ResumeUploadId is { } uploadId)
        {
            var listed = await ListPartsAsync(key, uploadId, cancellationToken);
            var partSize = saved?.UploadId == uploadId ? saved.PartSize : options.PartSize ?? InferPartSize(file.Length, listed);
            var upload = ResumeStore.Describe(Gateway.Endpoint, key, file, uploadId, partSize);
            context.Resumes.Save(upload);
            return (upload, listed);
        }

        if (saved is not null)
        {
            try
            {
                return (saved, await ListPartsAsync(key, saved.UploadId, cancellationToken));
            }
            catch (GatewayException e) when (e.Status == HttpStatusCode.NotFound)
            {
                context.Reporter.Note($"the saved upload {saved.UploadId} is gone from the gateway (aborted or expired); starting a new one");
                context.Resumes.Forget(saved);
            }
        }

        if (options.ResumeRequired)
        {
            throw new UsageException($"nothing to resume: no unfinished upload of this version of {file.Name} to {key} is remembered in {context.Resumes.Directory}");
        }

        var plan = PartPlan.Checked(file.Length, options.PartSize ?? PartPlan.DefaultPartSize(file.Length));
        var created = ResumeStore.Describe(Gateway.Endpoint, key, file, await Gateway.CreateUploadAsync(key, options.ContentType, options.Checksum, options.CustomMetadata, cancellationToken), plan.PartSize);
        context.Resumes.Save(created);
        return (created, []);
    }

    private string ResumeHint(SavedUpload upload) =>
        $"the upload is resumable: run the same command again, or r2gw upload {Shell.Quote(upload.File)} {Shell.Quote(upload.Key)} --resume {upload.UploadId}"
        + (context.EndpointIsDefault ? "" : $" --endpoint {Shell.Quote(Gateway.Endpoint.ToString())}");

    private async Task<IReadOnlyList<PartEntry>> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        var parts = new List<PartEntry>();
        await foreach (var part in Gateway.ListPartsAsync(key, uploadId, cancellationToken))
        {
            parts.Add(part);
        }

        return parts;
    }

    /// <summary>Without saved state, the listed parts tell the size: all but the last are the same.</summary>
    private static long InferPartSize(long fileSize, IReadOnlyList<PartEntry> listed) =>
        listed.Count > 0 && listed.Max(p => p.Size) is var largest && largest >= PartPlan.MinPartSize ? largest : PartPlan.DefaultPartSize(fileSize);

    /// <summary>Keeps each listed part whose size and etag match the file's bytes at that place; returns how many.</summary>
    private static async Task<int> ReuseListedPartsAsync(
        IReadOnlyList<PartEntry> listed, PartPlan plan, SafeFileHandle handle, string?[] etags, int concurrency, CancellationToken cancellationToken)
    {
        var candidates = listed.Where(p => p.PartNumber >= 1 && p.PartNumber <= plan.Count && p.Size == plan.SizeOf(p.PartNumber));
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (part, token) =>
        {
            var local = await new FileSlice(handle, plan.OffsetOf(part.PartNumber), part.Size).Md5Async(token);
            if (local == Etags.Normalize(part.Etag))
            {
                etags[part.PartNumber - 1] = local;
            }
        });
        return etags.Count(e => e is not null);
    }

    private static void Verify(ObjectSummary stored, string localETag, long size)
    {
        if (Etags.Normalize(stored.Etag) != localETag)
        {
            throw new VerificationException($"the gateway's etag {stored.Etag} differs from the local one, {localETag}");
        }

        if (stored.Size != size)
        {
            throw new VerificationException($"the gateway stored {stored.Size} bytes; the file has {size}");
        }
    }
}
