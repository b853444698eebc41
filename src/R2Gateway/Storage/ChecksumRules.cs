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
            throw Error.ChecksumMismatch(expected.HeaderName, Checksums.Name(expected.Algorithm));
        }
    }

    public static ContractException WrongPartChecksum(ChecksumAlgorithm upload, ChecksumAlgorithm sent) =>
        Error.WrongPartChecksum(Checksums.Name(upload), Checksums.HeaderName(sent));

    /// <summary>The composite checksum of the assembled parts; every part must carry one of <paramref name="algorithm"/>.</summary>
    public static ObjectChecksum Composite(ChecksumAlgorithm algorithm, IReadOnlyList<PartInfo> ordered)
    {
        var missing = ordered.FirstOrDefault(p => p.Checksum?.Algorithm != algorithm);
        return missing is null
            ? Checksums.Composite(algorithm, ordered.Select(p => p.Checksum!).ToList())
            : throw Error.PartWithoutChecksum(missing.PartNumber, Checksums.Name(algorithm));
    }
}
