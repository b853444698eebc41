using Amazon.S3.Model;
using SdkAlgorithm = Amazon.S3.ChecksumAlgorithm;

namespace R2Gateway.Storage.S3;

/// <summary>Moves an <see cref="ObjectChecksum"/> to and from the SDK's one-property-per-algorithm shapes.</summary>
internal static class S3Checksums
{
    public static SdkAlgorithm ToSdk(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Crc32 => SdkAlgorithm.CRC32,
        ChecksumAlgorithm.Crc32C => SdkAlgorithm.CRC32C,
        ChecksumAlgorithm.Crc64Nvme => SdkAlgorithm.CRC64NVME,
        ChecksumAlgorithm.Sha1 => SdkAlgorithm.SHA1,
        _ => SdkAlgorithm.SHA256,
    };

    public static PutObjectRequest Set(ObjectChecksum? checksum, PutObjectRequest r)
    {
        var (crc32, crc32c, crc64, sha1, sha256) = Split(checksum);
        (r.ChecksumCRC32, r.ChecksumCRC32C, r.ChecksumCRC64NVME, r.ChecksumSHA1, r.ChecksumSHA256) = (crc32, crc32c, crc64, sha1, sha256);
        return r;
    }

    public static UploadPartRequest Set(ObjectChecksum? checksum, UploadPartRequest r)
    {
        var (crc32, crc32c, crc64, sha1, sha256) = Split(checksum);
        (r.ChecksumCRC32, r.ChecksumCRC32C, r.ChecksumCRC64NVME, r.ChecksumSHA1, r.ChecksumSHA256) = (crc32, crc32c, crc64, sha1, sha256);
        return r;
    }

    public static PartETag Set(ObjectChecksum? checksum, PartETag r)
    {
        var (crc32, crc32c, crc64, sha1, sha256) = Split(checksum);
        (r.ChecksumCRC32, r.ChecksumCRC32C, r.ChecksumCRC64NVME, r.ChecksumSHA1, r.ChecksumSHA256) = (crc32, crc32c, crc64, sha1, sha256);
        return r;
    }

    public static ObjectChecksum? From(GetObjectResponse r) => From(r.ChecksumCRC32, r.ChecksumCRC32C, r.ChecksumCRC64NVME, r.ChecksumSHA1, r.ChecksumSHA256);

    public static ObjectChecksum? From(GetObjectMetadataResponse r) => From(r.ChecksumCRC32, r.ChecksumCRC32C, r.ChecksumCRC64NVME, r.ChecksumSHA1, r.ChecksumSHA256);

    public static ObjectChecksum? From(PartDetail r) => From(r.ChecksumCRC32, r.ChecksumCRC32C, r.ChecksumCRC64NVME, r.ChecksumSHA1, r.ChecksumSHA256);

    private static (string? Crc32, string? Crc32C, string? Crc64Nvme, string? Sha1, string? Sha256) Split(ObjectChecksum? c) =>
        (Value(c, ChecksumAlgorithm.Crc32), Value(c, ChecksumAlgorithm.Crc32C), Value(c, ChecksumAlgorithm.Crc64Nvme), Value(c, ChecksumAlgorithm.Sha1), Value(c, ChecksumAlgorithm.Sha256));

    private static string? Value(ObjectChecksum? c, ChecksumAlgorithm algorithm) => c?.Algorithm == algorithm ? c.Value : null;

    private static ObjectChecksum? From(string? crc32, string? crc32c, string? crc64, string? sha1, string? sha256) =>
        !string.IsNullOrEmpty(sha256) ? new(ChecksumAlgorithm.Sha256, sha256)
        : !string.IsNullOrEmpty(sha1) ? new(ChecksumAlgorithm.Sha1, sha1)
        : !string.IsNullOrEmpty(crc64) ? new(ChecksumAlgorithm.Crc64Nvme, crc64)
        : !string.IsNullOrEmpty(crc32c) ? new(ChecksumAlgorithm.Crc32C, crc32c)
        : !string.IsNullOrEmpty(crc32) ? new(ChecksumAlgorithm.Crc32, crc32)
        : null;
}
