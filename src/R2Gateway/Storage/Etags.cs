using System.Security.Cryptography;

namespace R2Gateway.Storage;

/// <summary>R2's ETag rules, in one place: a part's etag is its hex MD5; a multipart object's is
/// the MD5 of the concatenated binary part MD5s, a dash, and the number of parts.</summary>
public static class Etags
{
    public static string FromMd5(ReadOnlySpan<byte> md5) => Convert.ToHexStringLower(md5);

    public static string Multipart(IReadOnlyList<string> partEtags)
    {
        var md5s = new byte[partEtags.Count * MD5.HashSizeInBytes];
        for (var i = 0; i < partEtags.Count; i++)
        {
            if (Convert.FromHexString(partEtags[i], md5s.AsSpan(i * MD5.HashSizeInBytes, MD5.HashSizeInBytes), out _, out var written)
                is not System.Buffers.OperationStatus.Done || written != MD5.HashSizeInBytes)
            {
                throw new ArgumentException($"'{partEtags[i]}' is not a hex MD5.", nameof(partEtags));
            }
        }

        return $"{FromMd5(MD5.HashData(md5s))}-{partEtags.Count}";
    }

    /// <summary>Accepts an etag as clients send it (quoted or not, any case) and returns it bare and lower-case.</summary>
    public static string Normalize(string etag)
    {
        var bare = etag.Trim();
        if (bare.StartsWith("W/", StringComparison.Ordinal))
        {
            bare = bare[2..];
        }

        return bare.Trim('"').ToLowerInvariant();
    }

    public static string Quote(string etag) => $"\"{etag}\"";

    public static bool IsMd5Hex(string etag) =>
        etag.Length == 2 * MD5.HashSizeInBytes && etag.All(char.IsAsciiHexDigit);
}
