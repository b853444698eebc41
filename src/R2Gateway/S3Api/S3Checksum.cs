using System.IO.Hashing;
using System.Security.Cryptography;

namespace R2Gateway.S3Api;

/// <summary>One of S3's additional checksums (x-amz-checksum-*), computed as the body streams by.</summary>
public sealed class S3Checksum
{
    private readonly NonCryptographicHashAlgorithm? _crc;
    private readonly IncrementalHash? _sha;

    private S3Checksum(string name, NonCryptographicHashAlgorithm? crc, IncrementalHash? sha)
    {
        Name = name;
        _crc = crc;
        _sha = sha;
    }

    public const string HeaderPrefix = "x-amz-checksum-";

    public static readonly string[] Names = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"];

    /// <summary>The lower-case algorithm name as in the header: crc32, crc32c, crc64nvme, sha1, sha256.</summary>
    public string Name { get; }

    public string HeaderName => HeaderPrefix + Name;

    public static S3Checksum Create(string name) => name.ToLowerInvariant() switch
    {
        "crc32" => new("crc32", new Crc32(), null),
        "crc32c" => new("crc32c", new Crc32(Crc32ParameterSet.Crc32C), null),
        "crc64nvme" => new("crc64nvme", new Crc64(Crc64ParameterSet.Nvme), null),
        "sha1" => new("sha1", null, IncrementalHash.CreateHash(HashAlgorithmName.SHA1)),
        "sha256" => new("sha256", null, IncrementalHash.CreateHash(HashAlgorithmName.SHA256)),
        _ => throw S3Exception.InvalidRequest($"The checksum algorithm '{name}' is not one of {string.Join(", ", Names)}."),
    };

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

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_crc is not null)
        {
            _crc.Append(data);
        }
        else
        {
            _sha!.AppendData(data);
        }
    }

    /// <summary>Big-endian, as S3 writes CRCs (System.IO.Hashing writes them little-endian).</summary>
    public string Base64()
    {
        if (_sha is not null)
        {
            return Convert.ToBase64String(_sha.GetHashAndReset());
        }

        var bytes = _crc!.GetCurrentHash();
        Array.Reverse(bytes);
        return Convert.ToBase64String(bytes);
    }

    public void Verify(string expected)
    {
        var actual = Base64();
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(actual), System.Text.Encoding.ASCII.GetBytes(expected.Trim())))
        {
            throw new S3Exception("BadDigest", 400, $"The {Name.ToUpperInvariant()} you specified did not match the calculated checksum.");
        }
    }
}
