using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace R2Gateway.Storage;

/// <summary>The additional checksums S3 and R2 accept beside MD5.</summary>
public enum ChecksumAlgorithm
{
    Crc32,
    Crc32C,
    Crc64Nvme,
    Sha1,
    Sha256,
}

/// <summary>A checksum as S3 carries it in <c>x-amz-checksum-*</c>: the base64 of the hash, or for a
/// multipart object's composite checksum the base64 of the hash of the part hashes, a dash and the
/// number of parts.</summary>
public sealed record ObjectChecksum(ChecksumAlgorithm Algorithm, string Value)
{
    /// <summary>As R2Object.checksums shows it: hex, with the composite's <c>-N</c> kept.</summary>
    public string Hex
    {
        get
        {
            var dash = Value.IndexOf('-');
            var hex = Convert.ToHexStringLower(Convert.FromBase64String(dash < 0 ? Value : Value[..dash]));
            return dash < 0 ? hex : hex + Value[dash..];
        }
    }

    public string HeaderName => Checksums.HeaderName(Algorithm);

    public static ObjectChecksum Of(ChecksumAlgorithm algorithm, byte[] hash) => new(algorithm, Convert.ToBase64String(hash));
}

/// <summary>Names, parsing and hashing for <see cref="ChecksumAlgorithm"/>, shared by the gateway and r2gw.</summary>
public static class Checksums
{
    public const string HeaderPrefix = "x-amz-checksum-";
    public const string AlgorithmHeader = "x-amz-checksum-algorithm";

    public static readonly IReadOnlyList<ChecksumAlgorithm> All = Enum.GetValues<ChecksumAlgorithm>();

    /// <summary>crc32, crc32c, crc64nvme, sha1, sha256: the suffix of the header and the key in JSON.</summary>
    public static string Name(ChecksumAlgorithm algorithm) => algorithm.ToString().ToLowerInvariant();

    public static string HeaderName(ChecksumAlgorithm algorithm) => HeaderPrefix + Name(algorithm);

    public static bool TryParse(string? name, out ChecksumAlgorithm algorithm)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(Name(candidate), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                algorithm = candidate;
                return true;
            }
        }

        algorithm = default;
        return false;
    }

    public static int Size(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Crc32 or ChecksumAlgorithm.Crc32C => 4,
        ChecksumAlgorithm.Crc64Nvme => 8,
        ChecksumAlgorithm.Sha1 => SHA1.HashSizeInBytes,
        _ => SHA256.HashSizeInBytes,
    };

    /// <summary>CRC64NVME covers the whole object even for a multipart upload; the others are composite.</summary>
    public static bool IsFullObject(ChecksumAlgorithm algorithm) => algorithm == ChecksumAlgorithm.Crc64Nvme;

    /// <summary>Decodes a base64 header value; null when it is not the base64 of a hash of the right size.</summary>
    public static byte[]? TryDecode(ChecksumAlgorithm algorithm, string value)
    {
        var bytes = new byte[Size(algorithm)];
        return Convert.TryFromBase64String(value.Trim(), bytes, out var written) && written == bytes.Length ? bytes : null;
    }

    public static ChecksumHasher CreateHasher(ChecksumAlgorithm algorithm) => new(algorithm);

    public static byte[] Hash(ChecksumAlgorithm algorithm, ReadOnlySpan<byte> data)
    {
        using var hasher = CreateHasher(algorithm);
        hasher.Append(data);
        return hasher.GetHash();
    }

    /// <summary>The composite checksum of a multipart object from its parts' checksums, in part order.</summary>
    public static ObjectChecksum Composite(ChecksumAlgorithm algorithm, IReadOnlyList<ObjectChecksum> parts)
    {
        if (IsFullObject(algorithm))
        {
            throw new ArgumentException($"{Name(algorithm)} is a full-object checksum, not a composite one.", nameof(algorithm));
        }

        using var hasher = CreateHasher(algorithm);
        foreach (var part in parts)
        {
            hasher.Append(TryDecode(algorithm, part.Value) ?? throw new ArgumentException($"'{part.Value}' is not a {Name(algorithm)} checksum.", nameof(parts)));
        }

        return new ObjectChecksum(algorithm, $"{Convert.ToBase64String(hasher.GetHash())}-{parts.Count}");
    }
}

/// <summary>One running checksum. CRCs are answered big-endian, as S3 sends them (System.IO.Hashing
/// returns the little-endian bytes).</summary>
public sealed class ChecksumHasher : IDisposable
{
    private readonly IncrementalHash? _sha;
    private readonly NonCryptographicHashAlgorithm? _crc;

    internal ChecksumHasher(ChecksumAlgorithm algorithm)
    {
        Algorithm = algorithm;
        switch (algorithm)
        {
            case ChecksumAlgorithm.Sha1:
                _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
                break;
            case ChecksumAlgorithm.Sha256:
                _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                break;
            case ChecksumAlgorithm.Crc32:
                _crc = new Crc32();
                break;
            case ChecksumAlgorithm.Crc32C:
                _crc = new Crc32(Crc32ParameterSet.Crc32C);
                break;
            default:
                _crc = new Crc64(Crc64ParameterSet.Nvme);
                break;
        }
    }

    public ChecksumAlgorithm Algorithm { get; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_sha is not null)
        {
            _sha.AppendData(data);
        }
        else
        {
            _crc!.Append(data);
        }
    }

    /// <summary>The hash of everything appended, then starts over.</summary>
    public byte[] GetHash()
    {
        if (_sha is not null)
        {
            return _sha.GetHashAndReset();
        }

        var hash = new byte[Checksums.Size(Algorithm)];
        switch (_crc)
        {
            case Crc32 crc32:
                BinaryPrimitives.WriteUInt32BigEndian(hash, crc32.GetCurrentHashAsUInt32());
                break;
            case Crc64 crc64:
                BinaryPrimitives.WriteUInt64BigEndian(hash, crc64.GetCurrentHashAsUInt64());
                break;
        }

        _crc!.Reset();
        return hash;
    }

    public void Dispose() => _sha?.Dispose();
}
