using System.Security.Cryptography;
using R2Gateway.Storage;

namespace R2Gateway.S3Api;

/// <summary>One of S3's additional checksums (x-amz-checksum-*), computed as the body streams by.</summary>
public sealed class S3Checksum
{
    private readonly ChecksumHasher _hasher;

    private S3Checksum(ChecksumAlgorithm algorithm) => _hasher = Checksums.CreateHasher(algorithm);

    public const string HeaderPrefix = Checksums.HeaderPrefix;

    public static readonly string[] Names = [.. Checksums.All.Select(Checksums.Name)];

    /// <summary>The lower-case algorithm name as in the header: crc32, crc32c, crc64nvme, sha1, sha256.</summary>
    public string Name => Checksums.Name(_hasher.Algorithm);

    public string HeaderName => HeaderPrefix + Name;

    public static S3Checksum Create(string name) => Checksums.TryParse(name, out var algorithm)
        ? new(algorithm)
        : throw Error.InvalidRequest($"The checksum algorithm '{name}' is not one of {string.Join(", ", Names)}.");

    /// <summary>The checksum header a request carries, if any: its algorithm and its value.</summary>
    public static (S3Checksum Checksum, string Expected)? FromHeaders(IHeaderDictionary headers)
    {
        foreach (var name in Names)
        {
            if (headers.TryGetValue(HeaderPrefix + name, out var value))
            {
                return (Create(name), value.ToString());
            }
        }

        return null;
    }

    public void Append(ReadOnlySpan<byte> data) => _hasher.Append(data);

    /// <summary>Big-endian for CRCs, as S3 writes them.</summary>
    public string Base64() => Convert.ToBase64String(_hasher.GetHash());

    public void Verify(string expected)
    {
        var actual = Base64();
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(actual), System.Text.Encoding.ASCII.GetBytes(expected.Trim())))
        {
            throw Error.ChecksumMismatch(HeaderName, Name.ToUpperInvariant());
        }
    }
}
