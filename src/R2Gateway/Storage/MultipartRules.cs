namespace R2Gateway.Storage;

/// <summary>R2's limits on parts and objects. Both stores' callers apply these, so they cannot drift.</summary>
public static class MultipartRules
{
    public const long MinPartSize = 5L * 1024 * 1024;
    public const long MaxPartSize = 5L * 1024 * 1024 * 1024;
    public const long MaxPutSize = 5L * 1024 * 1024 * 1024;
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

        var size = result.Sum(p => p.Size);
        if (size > maxObjectSize)
        {
            throw new StoreException(StoreErrorCode.EntityTooLarge,
                $"The parts add up to {size} bytes; objects may be at most {maxObjectSize} bytes here (Storage:MaxObjectSize).");
        }

        return result;
    }
}
