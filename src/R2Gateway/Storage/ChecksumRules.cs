using System.Security.Cryptography;

namespace R2Gateway.Storage;

/// <summary>How the stores check and combine <c>x-amz-checksum-*</c> values, so both answer alike.</summary>
public static class ChecksumRules
{
    /// <summary>A mismatch is BadDigest; compared in constant time, as the MD5 is.</summary>
    public static void Check(ObjectChecksum? expected, ObjectChecksum? computed)
    {
        if (expected is null)
        {
            return;
        }

        var want = Checksums.TryDecode(expected.Algorithm, expected.Value);
        var got = computed is null || computed.Algorithm != expected.Algorithm ? null : Checksums.TryDecode(computed.Algorithm, computed.Value);
        if (want is null || got is null || !CryptographicOperations.FixedTimeEquals(want, got))
        {
            throw new StoreException(StoreErrorCode.BadDigest,
                $"The {expected.HeaderName} you sent does not match the {Checksums.Name(expected.Algorithm)} of the body received.");
        }
    }

    public static StoreException WrongPartChecksum(ChecksumAlgorithm upload, ChecksumAlgorithm sent) =>
        new(StoreErrorCode.InvalidArgument,
            $"This upload was created with x-amz-checksum-algorithm {Checksums.Name(upload)}; a part may not send {Checksums.HeaderName(sent)}.");

    /// <summary>The composite checksum of the assembled parts; every part must carry one of <paramref name="algorithm"/>.</summary>
    public static ObjectChecksum Composite(ChecksumAlgorithm algorithm, IReadOnlyList<PartInfo> ordered)
    {
        var missing = ordered.FirstOrDefault(p => p.Checksum?.Algorithm != algorithm);
        return missing is null
            ? Checksums.Composite(algorithm, ordered.Select(p => p.Checksum!).ToList())
            : throw new StoreException(StoreErrorCode.InvalidPart,
                $"Part {missing.PartNumber} has no {Checksums.Name(algorithm)} checksum, which this upload was created with.");
    }
}
