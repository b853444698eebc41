namespace R2Gateway.Storage;

/// <summary>R2's limits on parts and objects (developers.cloudflare.com/r2/platform/limits). Both
/// stores' callers apply these, so they cannot drift.</summary>
public static class MultipartRules
{
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;

    public const long MinPartSize = 5 * MiB;

    /// <summary>5 GiB − 5 MiB: R2's limit for a part and for a single upload.</summary>
    public const long MaxPartSize = 5 * GiB - 5 * MiB;

    public const long MaxPutSize = MaxPartSize;

    /// <summary>5 TiB − 5 GiB: R2's limit for an object.</summary>
    public const long MaxObjectSize = 5 * 1024 * GiB - 5 * GiB;

    public const int MaxParts = 10_000;

    public static void EnsurePartNumber(int partNumber)
    {
        if (partNumber is < 1 or > MaxParts)
        {
            throw Error.InvalidPartNumber(MaxParts);
        }
    }

    /// <summary>Checks the parts a client asked to complete against those stored, in part-number order.
    /// Returns the stored parts to assemble.</summary>
    public static IReadOnlyList<PartInfo> CheckCompletion(
        IReadOnlyList<UploadedPart> requested, IReadOnlyDictionary<int, PartInfo> stored, long maxObjectSize = long.MaxValue)
    {
        if (requested.Count == 0)
        {
            throw Error.EmptyPartList();
        }

        var ordered = requested.OrderBy(p => p.PartNumber).ToList();
        var result = new List<PartInfo>(ordered.Count);
        foreach (var part in ordered)
        {
            if (!stored.TryGetValue(part.PartNumber, out var info) || info.ETag != part.ETag)
            {
                throw Error.PartNotUploaded(part.PartNumber, part.ETag);
            }

            result.Add(info);
        }

        for (var i = 0; i < result.Count - 1; i++)
        {
            if (result[i].Size < MinPartSize)
            {
                throw Error.PartTooSmall(result[i].PartNumber, result[i].Size, MinPartSize);
            }

            if (result[i].Size != result[0].Size)
            {
                throw Error.PartSizesDiffer(result[i].PartNumber, result[i].Size, result[0].PartNumber, result[0].Size);
            }
        }

        if (result.Count > 1 && result[^1].Size > result[0].Size)
        {
            throw Error.LastPartLarger(result[^1].PartNumber, result[^1].Size, result[0].Size);
        }

        var size = result.Sum(p => p.Size);
        if (size > maxObjectSize)
        {
            throw Error.PartsTooLarge(size, maxObjectSize);
        }

        return result;
    }
}
