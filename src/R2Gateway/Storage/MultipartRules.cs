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
            throw new StoreException(StoreErrorCode.InvalidArgument,
                $"partNumber must be an integer from 1 to {MaxParts}.");
        }
    }

    /// <summary>Checks the parts a client asked to complete against those stored, in part-number order.
    /// Returns the stored parts to assemble.</summary>
    public static IReadOnlyList<PartInfo> CheckCompletion(
        IReadOnlyList<UploadedPart> requested, IReadOnlyDictionary<int, PartInfo> stored, long maxObjectSize = long.MaxValue)
    {
        if (requested.Count == 0)
        {
            throw new StoreException(StoreErrorCode.InvalidArgument, "The parts list is empty.");
        }

        var ordered = requested.OrderBy(p => p.PartNumber).ToList();
        var result = new List<PartInfo>(ordered.Count);
        foreach (var part in ordered)
        {
            if (!stored.TryGetValue(part.PartNumber, out var info) || info.ETag != part.ETag)
            {
                throw new StoreException(StoreErrorCode.InvalidPart,
                    $"Part {part.PartNumber} with etag {part.ETag} was not uploaded to this upload.");
            }

            result.Add(info);
        }

        for (var i = 0; i < result.Count - 1; i++)
        {
            if (result[i].Size < MinPartSize)
            {
                throw new StoreException(StoreErrorCode.EntityTooSmall,
                    $"Part {result[i].PartNumber} is {result[i].Size} bytes; every part but the last must be at least {MinPartSize} bytes (5 MiB).");
            }

            if (result[i].Size != result[0].Size)
            {
                throw new StoreException(StoreErrorCode.InvalidPart,
                    $"Part {result[i].PartNumber} is {result[i].Size} bytes but part {result[0].PartNumber} is {result[0].Size}; all parts but the last must be the same size.");
            }
        }

        if (result.Count > 1 && result[^1].Size > result[0].Size)
        {
            throw new StoreException(StoreErrorCode.InvalidPart,
                $"The last part, {result[^1].PartNumber}, is {result[^1].Size} bytes, larger than the others ({result[0].Size}); the last part may not be larger than the others.");
        }

        var size = result.Sum(p => p.Size);
        if (size > maxObjectSize)
        {
            throw new StoreException(StoreErrorCode.EntityTooLarge,
                $"The parts add up to {size} bytes; objects may be at most {maxObjectSize} bytes here (Storage:MaxObjectSize).");
        }

        return result;
    }
}
